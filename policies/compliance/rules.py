"""Parsing and validating what a manager types into a compliance rule (shared by the model's clean(),
the loader and the engine)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from reviewdesk.choices import Platform


def split_terms(text: str) -> list[str]:
    """One term (a regular expression) per line; blank lines and surrounding spaces ignored."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def split_phrases(text: str) -> list[str]:
    """Phrases as every keyword list of the pack: one per line, commas and 、 separate too."""
    from policies.models.base import split_lines  # not at import time: policies.models imports this module

    return split_lines(text)


def validate_terms(text: str, *, regex: bool, label) -> list[str]:
    """The terms, or a ValidationError naming the field and the bad regular expression."""
    items = split_terms(text) if regex else split_phrases(text)
    if not items:
        raise ValidationError(_("“%(field)s”至少填写一行。") % {"field": label}, code="empty_terms")
    if regex:
        for pattern in items:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValidationError(
                    _("“%(field)s”中的正则表达式“%(pattern)s”无效：%(error)s")
                    % {"field": label, "pattern": pattern, "error": exc},
                    code="bad_regex",
                )
    return items


def _by_word(choices) -> dict[str, str]:
    """A choice's code, or its label in Chinese or English, → its code."""
    words = {}
    for code, label in choices:
        words[str(code)] = code
        for language in ("zh-hans", "en"):
            with translation.override(language):
                words.setdefault(str(label).lower(), code)
    return words


def parse_platform_actions(text: str) -> dict[str, str]:
    """``淘宝:拦截、京东:警告`` or ``taobao:block,jd:warn`` (codes or labels, in Chinese or English) →
    {platform code: action code}; a ValidationError naming the bad item on anything else."""
    from policies.choices import ComplianceAction

    platforms, actions = _by_word(Platform.choices), _by_word(ComplianceAction.choices)
    result: dict[str, str] = {}
    for item in re.split(r"[,，;；、\n]+", text or ""):  # not on spaces: "Douyin Shop" is one platform
        item = item.strip()
        if not item:
            continue
        platform, sep, action = item.replace("：", ":").partition(":")
        platform = platforms.get(platform.strip().lower())
        action = actions.get(action.strip().lower())
        if not sep or platform is None or action is None:
            raise ValidationError(
                _("“%(item)s”格式不对：应写成 平台:处理，平台为%(platforms)s之一，处理为%(actions)s。")
                % {
                    "item": item,
                    "platforms": _("、").join(str(label) for _code, label in Platform.choices),
                    "actions": _("或").join(str(label) for _code, label in ComplianceAction.choices),
                },
                code="bad_platform_action",
            )
        result[platform] = action
    return result


def platform_actions_in_words(text: str) -> str:
    """Stored per-platform actions as a person reads them, in the active language ("淘宝:拦截、京东:警告");
    a value that does not parse is shown as it is (the form says what is wrong with it)."""
    from policies.choices import ComplianceAction

    try:
        actions = parse_platform_actions(text or "")
    except ValidationError:
        return text or ""
    platforms, verbs = dict(Platform.choices), dict(ComplianceAction.choices)
    return _("、").join(
        _("%(platform)s：%(action)s") % {"platform": platforms[p], "action": verbs[a]}
        for p, a in actions.items()
    )


def platform_actions_codes(text: str) -> str:
    """Per-platform actions in words or codes → the stored codes (``taobao:block,jd:warn``)."""
    return ",".join(f"{platform}:{action}" for platform, action in parse_platform_actions(text).items())
