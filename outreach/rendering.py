"""SMS text from a whitelisted dict (conventions rule 7): the reply placeholders of the policy pack plus
what an SMS alone carries (the survey link; for a supervisor's alert the case number, rating and a
short excerpt). The provider receives the same values as the template's variables: Alibaba Cloud by
name (``TemplateParam``), Tencent Cloud in order of appearance (``TemplateParamSet``).
"""

from __future__ import annotations

import string
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policies.placeholders import PLACEHOLDERS

SMS_PLACEHOLDERS: dict[str, str] = {
    **PLACEHOLDERS,
    "survey_url": gettext_lazy("满意度调查链接"),
    "case_no": gettext_lazy("案件编号"),
    "rating": gettext_lazy("评分"),
    "excerpt": gettext_lazy("评价摘要"),
}
# A provider refuses a variable longer than its limit (Alibaba Cloud: 35 characters for most kinds).
MAX_PARAM_LENGTH = 35


def template_names(text: str) -> list[str]:
    """The placeholder names of ``text`` in order of first appearance; ValueError on a malformed brace."""
    names: list[str] = []
    for _literal, name, _spec, _conv in string.Formatter().parse(text or ""):
        if name is not None and name not in names:
            names.append(name)
    return names


def placeholder_refusal(text: str) -> str | None:
    """Why ``text`` is not a usable SMS template (a malformed brace, an unknown placeholder), or None."""
    try:
        names = template_names(text)
    except ValueError:
        return _("模板格式错误(花括号不成对？)。")
    unknown = [n for n in names if n not in SMS_PLACEHOLDERS]
    if unknown:
        return _("不支持的占位符：%(names)s。可用：%(allowed)s") % {
            "names": ", ".join("{%s}" % n for n in unknown),
            "allowed": ", ".join("{%s}" % k for k in SMS_PLACEHOLDERS),
        }
    return None


# A link is never cut: half a link is worse than none (the provider refuses one its template cannot take).
UNCUT = {"survey_url"}


def _value(value, name: str = "") -> str:
    if isinstance(value, Decimal):
        value = f"{value.quantize(Decimal('0.01')):f}"
    return str(value) if name in UNCUT else str(value)[:MAX_PARAM_LENGTH]


def render_sms(text: str, context: dict) -> tuple[str, dict[str, str], list[str]]:
    """(the text as the buyer reads it, the provider's variables by name, the names without a value).
    Only whitelisted names are read from ``context``."""
    params: dict[str, str] = {}
    missing: list[str] = []
    out: list[str] = []
    for literal, name, _spec, _conv in string.Formatter().parse(text or ""):
        out.append(literal)
        if name is None:
            continue
        raw = context.get(name) if name in SMS_PLACEHOLDERS else None
        if raw is None or raw == "":
            missing.append(name)
            value = ""
        else:
            value = _value(raw, name)
        params[name] = value
        out.append(value)
    return "".join(out), params, missing
