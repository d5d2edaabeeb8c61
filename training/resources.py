"""Score import (django-import-export): XLSX/CSV by employee code, all-or-nothing, row-level messages.

Columns (any order, surrounding spaces ignored; aliases accepted): 工号, 模块代码, 周期, 成绩, 备注.
Every row is checked before anything is written: unknown employee, unknown module, bad period, a
score out of the module's range, a row repeating an earlier (工号, 模块, 周期) of the same file, and
an employee outside the importer's shops each give a message naming the row. One bad row → nothing
is written (``rollback_on_validation_errors``).
"""

import io
from dataclasses import dataclass

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields

from reviewdesk.models import User
from reviewdesk.spreadsheets import SafeExportResource
from training.choices import ScoreSource
from training.errors import TrainingError
from training.models import Score, TrainingModule
from training.periods import Period
from training.services.scores import (
    can_enter_scores_for,
    schedule_lapse_check,
    score_upsert,
    score_validate,
    self_entry_refusal,
)

COL_EMPLOYEE, COL_MODULE, COL_PERIOD, COL_VALUE, COL_NOTE = "工号", "模块代码", "周期", "成绩", "备注"
REQUIRED = [COL_EMPLOYEE, COL_MODULE, COL_PERIOD, COL_VALUE]
ALIASES = {
    "员工工号": COL_EMPLOYEE,
    "employee_code": COL_EMPLOYEE,
    "employee code": COL_EMPLOYEE,
    "模块": COL_MODULE,
    "module": COL_MODULE,
    "module_code": COL_MODULE,
    "考核周期": COL_PERIOD,
    "period": COL_PERIOD,
    "分数": COL_VALUE,
    "得分": COL_VALUE,
    "score": COL_VALUE,
    "value": COL_VALUE,
    "note": COL_NOTE,
    "说明": COL_NOTE,
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class ResolvedRow:
    agent: User
    module: TrainingModule
    period: Period
    value: object
    note: str


class ScoreImportResource(SafeExportResource):
    employee = fields.Field(attribute="agent__employee_code", column_name=COL_EMPLOYEE, readonly=True)
    module_code = fields.Field(attribute="module__code", column_name=COL_MODULE, readonly=True)
    period = fields.Field(attribute="period", column_name=COL_PERIOD, readonly=True)
    value = fields.Field(attribute="value", column_name=COL_VALUE, readonly=True)
    note = fields.Field(attribute="note", column_name=COL_NOTE, readonly=True)

    class Meta:
        model = Score
        fields = ("employee", "module_code", "period", "value", "note")
        import_id_fields = ()
        use_transactions = True
        skip_diff = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._resolved: dict[int, ResolvedRow | None] = {}
        self._seen: dict[tuple, int] = {}
        self._agents: dict[str, User] = {}
        self._modules: dict[str, TrainingModule] = {}
        self._user = None

    # --- the whole file ------------------------------------------------------------------------
    def before_import(self, dataset, **kwargs):
        self._user = kwargs.get("user")
        dataset.headers = [
            ALIASES.get(_text(h).lower(), ALIASES.get(_text(h), _text(h))) for h in dataset.headers or []
        ]
        missing = [c for c in REQUIRED if c not in dataset.headers]
        if missing:
            raise ValueError(
                _("文件缺少必需的列：%(cols)s。需要的列：工号、模块代码、周期、成绩(备注可选)。")
                % {"cols": "、".join(missing)}
            )
        codes = {_text(v) for v in dataset[COL_EMPLOYEE] if _text(v)}
        self._agents = {
            u.employee_code.upper(): u
            for u in User.objects.filter(employee_code__in=codes | {c.upper() for c in codes})
        }
        self._modules = {m.code.lower(): m for m in TrainingModule.objects.all()}

    def get_import_id_fields(self):
        return []

    # --- one row -------------------------------------------------------------------------------
    def before_import_row(self, row, **kwargs):
        number = kwargs["row_number"]
        if not any(_text(v) for v in row.values()):
            self._resolved[number] = None  # blank line
            return
        excel_row = number + 1  # the header is row 1
        errors: dict[str, list[str]] = {}
        for column, cell in row.items():
            if "\x00" in _text(cell):  # the admin's import reads CSV itself; PostgreSQL cannot store NUL
                errors.setdefault(column, []).append(_("第%(row)d行：含有空字符(NUL)。") % {"row": excel_row})
        code, module_code, period_text = (
            _text(row.get(COL_EMPLOYEE)),
            _text(row.get(COL_MODULE)),
            _text(row.get(COL_PERIOD)),
        )
        agent = self._agents.get(code.upper())
        if agent is None:
            errors.setdefault(COL_EMPLOYEE, []).append(
                _("第%(row)d行：未知工号“%(code)s”。") % {"row": excel_row, "code": code}
                if code
                else _("第%(row)d行：工号为空。") % {"row": excel_row}
            )
        elif self._user is not None and (refusal := self_entry_refusal(self._user, agent)):
            errors.setdefault(COL_EMPLOYEE, []).append(
                _("第%(row)d行：%(msg)s") % {"row": excel_row, "msg": refusal.messages[0]}
            )
        elif self._user is not None and not can_enter_scores_for(self._user, agent):
            errors.setdefault(COL_EMPLOYEE, []).append(
                _("第%(row)d行：你无权为工号“%(code)s”录入成绩(不在你的店铺)。")
                % {"row": excel_row, "code": code}
            )
        module = self._modules.get(module_code.lower())
        if module is None:
            errors.setdefault(COL_MODULE, []).append(
                _("第%(row)d行：未知模块代码“%(code)s”。") % {"row": excel_row, "code": module_code}
            )
        period = value = None
        if not _text(row.get(COL_VALUE)):
            errors.setdefault(COL_VALUE, []).append(
                _("第%(row)d行：成绩为空(若是公式，请先在Excel中计算并保存)。") % {"row": excel_row}
            )
        elif module is not None:
            try:
                period, value = score_validate(
                    module=module, period=period_text, value=_text(row.get(COL_VALUE))
                )
            except ValidationError as exc:
                column = COL_PERIOD if exc.code == TrainingError.BAD_PERIOD else COL_VALUE
                errors.setdefault(column, []).append(
                    _("第%(row)d行：%(msg)s") % {"row": excel_row, "msg": exc.messages[0]}
                )
        if agent is not None and module is not None and period is not None:
            key = (agent.pk, module.pk, period.key)
            first = self._seen.setdefault(key, excel_row)
            if first != excel_row:
                errors.setdefault(COL_EMPLOYEE, []).append(
                    _("第%(row)d行：与第%(first)d行重复(同一工号、模块和周期)。")
                    % {"row": excel_row, "first": first}
                )
        if errors:
            raise ValidationError(errors)
        self._resolved[number] = ResolvedRow(agent, module, period, value, _text(row.get(COL_NOTE))[:200])

    def get_or_init_instance(self, instance_loader, row):
        return Score(), True

    def import_instance(self, instance, row, **kwargs):
        resolved = self._resolved.get(kwargs["row_number"])
        if resolved is not None:
            instance.agent, instance.module, instance.period = (
                resolved.agent,
                resolved.module,
                resolved.period.key,
            )
            instance.value, instance.note = resolved.value, resolved.note

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return not any(_text(v) for v in row.values())

    def save_instance(self, instance, is_create, row, **kwargs):
        if kwargs.get("dry_run"):
            return
        resolved = self._resolved[kwargs["row_number"]]
        saved = score_upsert(
            agent=resolved.agent,
            module=resolved.module,
            period=resolved.period,
            value=resolved.value,
            source=ScoreSource.IMPORT,
            by=self._user,
            note=resolved.note,
        )
        instance.pk = saved.pk

    def after_import(self, dataset, result, **kwargs):
        if not kwargs.get("dry_run") and not result.has_errors() and not result.has_validation_errors():
            schedule_lapse_check({r.agent.pk for r in self._resolved.values() if r})


def read_dataset(content: bytes, filename: str) -> tablib.Dataset:
    """XLSX or CSV (UTF-8 with or without BOM, GBK/GB18030) → Dataset. Raises ValueError in Chinese."""
    from cases.imports.files import FileRejected, check_encoding
    from reviewdesk.workbooks import WorkbookError, WorkbookRefused, check_workbook

    name = filename.lower()
    if name.endswith(".xlsx"):
        try:  # the one workbook guard: bombs and sheets too large, refused before openpyxl allocates them
            check_workbook(content)
        except WorkbookRefused as exc:
            if exc.code == WorkbookError.CORRUPT_FILE:
                raise ValueError(_("无法读取该XLSX文件，请确认文件未损坏。"))
            raise ValueError(exc.message)
        try:
            return tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        except Exception:
            raise ValueError(_("无法读取该XLSX文件，请确认文件未损坏。"))
    if name.endswith(".csv"):
        try:
            check_encoding(content)  # UTF-16, or UTF-8 and GBK mixed: GB18030 would read them as mojibake
        except FileRejected as exc:
            raise ValueError(exc.message)
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError(_("无法识别CSV文件的编码(支持UTF-8和GBK/GB18030)。"))
        if "\x00" in text:
            raise ValueError(_("CSV文件含有空字符(NUL)，不是正常的文本文件。"))
        try:
            return tablib.Dataset().load(text, format="csv")
        except Exception:
            raise ValueError(_("无法读取该CSV文件，请确认文件未损坏。"))
    raise ValueError(_("只支持 .xlsx 和 .csv 文件。"))


def import_scores(dataset: tablib.Dataset, *, user, dry_run: bool, before_write=None):
    """Runs the import; returns import-export's Result. Writes only when dry_run is False and every
    row is valid (the library rolls the transaction back on any row error). ``before_write()`` (a job's
    cancellation check) is called between the checking pass and the writing one: what it raises stops
    the import before anything is written."""
    if not dataset.headers and not len(dataset):
        raise ValueError(_("文件是空的。"))
    headers = [ALIASES.get(_text(h).lower(), ALIASES.get(_text(h), _text(h))) for h in dataset.headers or []]
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise ValueError(
            _("文件缺少必需的列：%(cols)s。需要的列：工号、模块代码、周期、成绩(备注可选)。")
            % {"cols": "、".join(missing)}
        )
    if not len(dataset):
        raise ValueError(_("文件里没有数据行。"))
    resource = ScoreImportResource()
    preview = resource.import_data(
        dataset, dry_run=True, use_transactions=True, rollback_on_validation_errors=True, user=user
    )
    if dry_run or preview.has_errors() or preview.has_validation_errors():
        return preview
    if before_write is not None:
        before_write()
    return ScoreImportResource().import_data(
        dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True, user=user
    )


def row_messages(result) -> list[str]:
    """Every row-level and file-level message of a Result, in row order."""
    messages = [str(error.error) for error in result.base_errors]
    for invalid in result.invalid_rows:
        for errs in invalid.error_dict.values():
            messages.extend(str(e) for e in errs)
    for number, errors in result.row_errors():
        messages.extend(
            _("第%(row)d行：%(msg)s") % {"row": number + 1, "msg": error.error} for error in errors
        )
    return messages
