"""Parsing and validating what a manager types into a compliance rule (shared by the model's clean(),
the loader and the engine)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from reviewdesk.choices import Platform

ACTIONS = ("block", "warn")


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


def parse_platform_actions(text: str) -> dict[str, str]:
    """``taobao:block,tmall:block,douyin:warn`` → {platform: action}; a ValidationError on a bad item."""
    result: dict[str, str] = {}
    for item in re.split(r"[,，;；\s]+", text or ""):
        if not item:
            continue
        platform, sep, action = item.replace("：", ":").partition(":")
        platform, action = platform.strip().lower(), action.strip().lower()
        if not sep or platform not in Platform.values or action not in ACTIONS:
            raise ValidationError(
                _(
                    "“%(item)s”格式不对：应写成 平台:处理，平台为%(platforms)s之一，处理为block(拦截)或warn(警告)。"
                )
                % {"item": item, "platforms": ", ".join(Platform.values)},
                code="bad_platform_action",
            )
        result[platform] = action
    return result
