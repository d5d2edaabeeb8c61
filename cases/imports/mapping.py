"""Finding the header row of an export and which admin-defined mapping it follows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cases.errors import IntakeError
from cases.imports.cells import header_key
from cases.imports.files import FileRejected, Sheet
from cases.models.intake import TARGET_FIELDS
from reviewdesk.choices import Platform

HEADER_SCAN_ROWS = 30  # exports put a title or a note above the header; look this far down


@dataclass(frozen=True)
class MappingSpec:
    """A snapshot of one ImportMapping row, read once per import."""

    id: int | None
    code: str
    name: str
    aliases: dict[str, tuple[str, ...]]  # field -> header keys
    labels: dict[str, str]  # field -> the first alias as written (for messages)
    required: tuple[str, ...]
    rating_map: dict[str, int]
    id_fields: tuple[str, ...]
    platforms: tuple[str, ...] = ()  # the platforms whose shops use it (none: every platform)

    @classmethod
    def from_model(cls, mapping) -> MappingSpec:
        aliases = {f: tuple(header_key(a) for a in names) for f, names in (mapping.columns or {}).items()}
        labels = {
            f: (names[0] if names else TARGET_FIELDS.get(f, f))
            for f, names in (mapping.columns or {}).items()
        }
        return cls(
            id=mapping.pk,
            code=mapping.code,
            name=mapping.name,
            aliases=aliases,
            labels=labels,
            required=tuple(mapping.required_fields or ()),
            rating_map=dict(mapping.rating_map or {}),
            id_fields=tuple(mapping.id_fields or ()),
            platforms=tuple(mapping.platform_list),
        )


@dataclass
class HeaderMatch:
    spec: MappingSpec
    header_index: int  # 0-based row index in the sheet
    columns: dict[str, int]  # field -> column index
    headers: dict[str, str]  # field -> header text as in the file
    missing: list[str] = field(default_factory=list)
    # Header cells of the chosen row that no field takes, as written in the file: shown on the preview,
    # because a column dropped without a word (a "SKU信息" nobody mapped) empties a report later.
    unknown: list[str] = field(default_factory=list)


def mappings_for(platform: str) -> list[MappingSpec]:
    from cases.models import ImportMapping

    specs = []
    for mapping in ImportMapping.objects.filter(active=True).order_by("priority", "code"):
        if not mapping.platform_list or platform in mapping.platform_list:
            specs.append(MappingSpec.from_model(mapping))
    return specs


def mappings_elsewhere(platform: str) -> list[MappingSpec]:
    """The active mappings only other platforms' shops use: what a file meant for another shop follows."""
    from cases.models import ImportMapping

    return [
        MappingSpec.from_model(mapping)
        for mapping in ImportMapping.objects.filter(active=True).order_by("priority", "code")
        if mapping.platform_list and platform not in mapping.platform_list
    ]


def match_row(row: list, spec: MappingSpec) -> HeaderMatch | None:
    keys = [header_key(cell) for cell in row]
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for name, aliases in spec.aliases.items():
        for alias in aliases:  # alias order is preference order: 订单编号 before 订单号
            if alias in keys:
                index = keys.index(alias)
                if index not in columns.values():
                    columns[name], headers[name] = index, str(row[index]).strip()
                    break
    if len(columns) < 2:
        return None
    missing = [name for name in spec.required if name not in columns]
    return HeaderMatch(
        spec=spec,
        header_index=-1,
        columns=columns,
        headers=headers,
        missing=missing,
        unknown=unknown_columns(row, columns),
    )


def unknown_columns(row: list, columns: dict[str, int]) -> list[str]:
    """The non-blank header cells that no field takes (an unknown header, or a second column for a field
    already taken), in file order and each once."""
    taken = set(columns.values())
    unknown: list[str] = []
    for index, cell in enumerate(row):
        text = "" if cell is None else str(cell).strip()
        if text and index not in taken and text not in unknown:
            unknown.append(text)
    return unknown


def find_header(sheet: Sheet, specs: list[MappingSpec]) -> HeaderMatch | None:
    """The best (row, mapping): complete matches first, then most columns matched, then priority."""
    best: HeaderMatch | None = None
    best_key = None
    for index, row in enumerate(sheet.head[:HEADER_SCAN_ROWS]):
        if not any(cell not in (None, "") for cell in row):
            continue
        for rank, spec in enumerate(specs):
            found = match_row(row, spec)
            if found is None:
                continue
            found.header_index = index
            key = (not found.missing, len(found.columns), -rank)
            if best_key is None or key > best_key:
                best, best_key = found, key
    return best


def choose_sheet(
    sheets, specs: list[MappingSpec], *, elsewhere: Callable[[], list[MappingSpec]] | None = None
) -> tuple[Sheet, HeaderMatch]:
    """The first sheet with a complete header; otherwise explain the closest miss, and say so when the
    header is complete for a mapping of ``elsewhere`` (another platform's export: the wrong shop)."""
    if not specs:
        raise FileRejected(IntakeError.NO_MAPPING, _("该平台没有可用的导入列映射，请管理员在后台配置。"))
    closest: HeaderMatch | None = None
    seen_any = False
    heads: list[list[list]] = []
    for sheet in sheets:
        found = find_header(sheet, specs)
        if found and not found.missing:
            return sheet, found
        heads.append(sheet.head)
        seen_any = seen_any or sheet.has_content()  # reads the rest of a sheet that is not used
        if found and (closest is None or len(found.columns) > len(closest.columns)):
            closest = found
    if not seen_any:
        raise FileRejected(IntakeError.EMPTY_FILE, _("文件里没有任何内容。"))
    hint = _wrong_shop_hint(heads, elsewhere() if elsewhere else [])
    if closest is None:
        names = "、".join(spec.name for spec in specs)
        raise FileRejected(
            IntakeError.NO_HEADER,
            _("没有找到可识别的表头(前%(n)d行)。是否选错了工作表或文件？支持的格式：%(names)s。")
            % {"n": HEADER_SCAN_ROWS, "names": names}
            + hint,
        )
    missing = "、".join(closest.spec.labels.get(name, name) for name in closest.missing)
    raise FileRejected(
        IntakeError.MISSING_COLUMNS,
        _("按“%(mapping)s”识别表头，缺少必需的列：%(missing)s。")
        % {"mapping": closest.spec.name, "missing": missing}
        + hint,
    )


def _wrong_shop_hint(heads: list[list[list]], elsewhere: list[MappingSpec]) -> str:
    """The sentence saying the header is complete for another platform's mapping (the wrong shop?), or ""."""
    for head in heads:
        found = find_header(Sheet("", head), elsewhere) if elsewhere else None
        if found and not found.missing:
            platforms = "、".join(
                str(Platform(code).label) for code in found.spec.platforms if code in Platform.values
            )
            return " " + _("这个表头完整符合“%(mapping)s”，那是%(platforms)s店铺的格式：是否选错了店铺？") % {
                "mapping": found.spec.name,
                "platforms": platforms,
            }
    return ""
