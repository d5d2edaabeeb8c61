"""What each workflow action takes, said once (conventions rule 15).

``SPECS[action]`` lists the action's input fields: name, kind, whether it is required, its limits,
its choices and its label (Chinese, translated). From it come

* the keyword arguments ``case_act`` passes to the action's service (``ActionSpec.service_kwargs``);
* the web form (``cases.web.forms.actions.ACTION_FORMS``, one form class built per spec);
* the API's request body (``cases.api.serializers_actions.ACTION_SERIALIZERS``, one serializer per
  spec, so the OpenAPI document shows each body on its own).

Both edges give the same refusal for the same malformed input: the same field, the same message
(``required_message``, ``invalid_message``, ``too_long_message``). The edges check only the shape;
every rule of the workflow (state, role, guards, compliance, policy limits) stays the service's. A
field is required here only when every row of the action in the transition table requires it (the
``note`` guard of verify, reject, mark_malicious and reopen); a note required in some states only
(resolving a malicious case, closing an unresolved one) is the guard's refusal, ``note_required``.
``tests/cases/test_action_specs.py`` checks the specs against the services, the table and both edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cases.choices import AppealOutcome, ContactChannel, Responsibility
from cases.choices import WorkflowAction as A

# Versions and ids fit a signed 64-bit column; a larger number would overflow the query (SQLite raises).
MAX_ID = 2**63 - 1
NOTE_MAX = 2000
TEXT_MAX = 5000
MAX_IDS = 50

# Kinds of input. TEXT: a string. BOOL: yes/no. CHOICE: one of ``choices``. CASE_CHOICE: a string
# among the case's own options (the appeal checklist's reasons). REF: the id of a row of this case
# (an option, a template, an offer). REFS: a list of such ids. ACK: the compliance warnings were
# acknowledged (the API says yes/no; the web ticks each warning of the composer's check).
TEXT, BOOL, CHOICE, CASE_CHOICE, REF, REFS, ACK = (
    "text",
    "bool",
    "choice",
    "case_choice",
    "ref",
    "refs",
    "ack",
)


@dataclass(frozen=True)
class InputField:
    name: str
    kind: str
    label: Promise
    required: bool = False
    max_length: int | None = None  # characters of a text, items of a list
    choices: tuple = ()  # CHOICE: (value, label) pairs; BOOL: the labels of yes and no
    help: Promise | None = None  # the API's description; the label when empty
    widget: str = ""  # the web's presentation: "textarea", "radio", "checkboxes", "hidden"
    rows: int = 2

    @property
    def required_message(self):
        if self.kind == TEXT:
            return format_lazy(_("请填写{label}。"), label=self.label)
        return format_lazy(_("请选择{label}。"), label=self.label)

    @property
    def invalid_message(self):
        return format_lazy(_("{label}的值无效。"), label=self.label)

    @property
    def too_long_message(self):
        if self.kind == REFS:
            return format_lazy(_("{label}最多{limit}项。"), label=self.label, limit=self.max_length)
        return format_lazy(_("{label}最多{limit}个字。"), label=self.label, limit=self.max_length)

    @property
    def description(self):
        return self.help or self.label


@dataclass(frozen=True)
class ActionSpec:
    action: str
    fields: tuple[InputField, ...] = field(default_factory=tuple)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def service_kwargs(self, data: dict) -> dict:
        """The service's keyword arguments: the spec's keys present in ``data`` (others are ignored;
        a key left out takes the service's default)."""
        return {name: data[name] for name in self.names if name in data}


def note(required: bool = False, label=None, help=None) -> InputField:
    return InputField(
        "note",
        TEXT,
        label or _("说明"),
        required=required,
        max_length=NOTE_MAX,
        help=help,
        widget="textarea",
    )


def offer_ref() -> InputField:
    return InputField(
        "offer_id", REF, _("补偿记录"), help=_("补偿记录ID；省略时取本案当前那一条"), widget="hidden"
    )


def option_ref() -> InputField:
    return InputField(
        "option_id",
        REF,
        _("补偿方案"),
        required=True,
        help=_("补偿方案ID(引擎为本案计算的方案之一)；超出上限时自动转为审批申请"),
        widget="radio",
    )


def evidence_refs(label, help) -> InputField:
    return InputField("evidence_ids", REFS, label, max_length=MAX_IDS, help=help, widget="checkboxes")


def composed_text(help) -> tuple[InputField, ...]:
    """A message written in the composer: the text, the template it started from, the warnings ticked."""
    return (
        InputField("text", TEXT, _("内容"), max_length=TEXT_MAX, help=help, widget="textarea", rows=5),
        InputField("template_id", REF, _("模板"), help=_("所用回复模板ID")),
        InputField("acknowledge_warnings", ACK, _("已确认合规提醒")),
    )


def _spec(action, *fields) -> ActionSpec:
    return ActionSpec(str(action), tuple(fields))


SPECS: dict[str, ActionSpec] = {
    spec.action: spec
    for spec in (
        _spec(A.CLAIM),
        _spec(
            A.RECORD_CONTACT,
            InputField(
                "channel", CHOICE, _("联系渠道"), required=True, choices=tuple(ContactChannel.choices)
            ),
            InputField(
                "reached",
                BOOL,
                _("是否联系上买家"),
                required=True,
                choices=(_("已联系上"), _("未联系上")),
                widget="radio",
            ),
            *composed_text(_("发送的内容(给出时做合规检查)")),
            note(),
        ),
        _spec(A.BUYER_REPLIED, note(help=_("买家说了什么(可选)"))),
        _spec(
            A.VERIFY,
            InputField(
                "responsibility", CHOICE, _("责任方"), required=True, choices=tuple(Responsibility.choices)
            ),
            note(required=True, label=_("核实说明")),
            evidence_refs(_("证据"), _("本案已上传证据的ID")),
        ),
        _spec(A.OFFER, option_ref(), note()),
        _spec(A.REQUEST_APPROVAL, option_ref(), note()),
        _spec(A.APPROVE, offer_ref(), note()),
        _spec(A.REJECT, offer_ref(), note(required=True)),
        _spec(A.BUYER_ACCEPTS, offer_ref(), note()),
        _spec(A.BUYER_DECLINES, offer_ref(), note()),
        _spec(
            A.PUBLIC_REPLY,
            *composed_text(_("最终发布的公开回复/解释；留空并给出模板时用模板为本案生成的内容")),
        ),
        _spec(A.RESOLVE, note(help=_("说明(恶意差评案件必填)"))),
        _spec(A.MARK_MALICIOUS, note(required=True)),
        _spec(
            A.FILE_APPEAL,
            InputField(
                "reason_type",
                CASE_CHOICE,
                _("申诉理由"),
                required=True,
                max_length=64,
                help=_("平台申诉清单里的理由之一"),
            ),
            InputField("description", TEXT, _("申诉说明"), max_length=TEXT_MAX, widget="textarea", rows=3),
            evidence_refs(_("提交的证据"), _("本案已上传证据的ID，须覆盖清单要求的每一项")),
        ),
        _spec(
            A.APPEAL_OUTCOME,
            InputField("outcome", CHOICE, _("申诉结果"), required=True, choices=tuple(AppealOutcome.choices)),
            note(),
        ),
        _spec(A.CLOSE, note(help=_("说明(未解决的案件必填)"))),
        _spec(A.REOPEN, note(required=True)),
    )
}

# The case version the user saw travels with every action (optimistic concurrency); both edges add it.
VERSION = InputField(
    "version",
    REF,
    _("案件版本"),
    required=True,
    help=_("你看到的案件版本(详情里的 version)；已被他人更新时返回409"),
    widget="hidden",
)

# What the button of each action says: a verb naming the step (the case page's buttons; never a bare
# "提交"). The WorkflowAction labels name the step in the timeline; these are what a person presses.
VERBS: dict[str, Promise] = {
    str(A.CLAIM): _("认领"),
    str(A.RECORD_CONTACT): _("记录联系"),
    str(A.BUYER_REPLIED): _("记录买家回复"),
    str(A.VERIFY): _("核实责任"),
    str(A.OFFER): _("提出补偿"),
    str(A.REQUEST_APPROVAL): _("申请审批"),
    str(A.APPROVE): _("批准"),
    str(A.REJECT): _("驳回"),
    str(A.BUYER_ACCEPTS): _("买家接受"),
    str(A.BUYER_DECLINES): _("买家拒绝"),
    str(A.PUBLIC_REPLY): _("回复评价"),
    str(A.RESOLVE): _("结案"),
    str(A.MARK_MALICIOUS): _("标记恶意"),
    str(A.FILE_APPEAL): _("发起申诉"),
    str(A.APPEAL_OUTCOME): _("记录申诉结果"),
    str(A.CLOSE): _("关闭案件"),
    str(A.REOPEN): _("重新打开"),
}
