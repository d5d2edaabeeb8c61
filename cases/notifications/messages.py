"""What a notification says, built from a whitelisted dict (STYLE rule 7), in the active language (the
callers render it inside ``translation.override`` of the recipient's language: ``reviewdesk.language``).

Callers pass plain values under the keys of ``ALLOWED_KEYS``; anything else is refused, so a buyer's
phone or address can never ride along by accident. Free text from the buyer (the review excerpt, the
item title) is masked (``reviewdesk.pii.mask_free_text``) because buyers do type phone numbers, ID numbers
and addresses into reviews: a notification goes to a group (bell, mail, robots), whoever reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from cases.notifications.choices import NotificationKind
from reviewdesk.pii import mask_free_text

ALLOWED_KEYS = frozenset(
    {
        "case_id",
        "case_path",
        "shop_name",
        "platform",
        "issue_type",
        "rating",
        "item_title",
        "excerpt",
        "target",
        "due_at",
        "assignee",
        "reason",
        "tier_name",
        "malicious",
        "count",
        "rating_from",
        "rating_to",
        "option",
        "amount",
        "decision",
        "job_title",
    }
)
EXCERPT_CHARS = 80  # the excerpt is masked, then cut short


@dataclass(frozen=True)
class Message:
    title: str
    lines: tuple[str, ...]
    url: str

    @property
    def text(self) -> str:
        return "\n".join((self.title, *self.lines, self.url))

    def as_dict(self) -> dict:
        return {"title": self.title, "lines": list(self.lines), "url": self.url}

    @classmethod
    def from_dict(cls, data: dict) -> Message:
        # A delivery queued with a site path (before SITE_URL existed) still goes out with an absolute link.
        return cls(
            title=data["title"], lines=tuple(data.get("lines", ())), url=absolute_url(data.get("url", ""))
        )


def mask_personal_data(text: str) -> str:
    """The name older callers import: ``reviewdesk.pii.mask_free_text``."""
    return mask_free_text(text)


def absolute_url(path: str) -> str:
    """A site path as the absolute link a chat app or mail client can open (``settings.SITE_URL``); an
    absolute URL or an empty one is returned as it is."""
    if path.startswith("/") and not path.startswith("//"):
        return f"{settings.SITE_URL.rstrip('/')}{path}"
    return path


def _plain(value) -> str:
    value = value() if callable(value) else value
    return "" if value is None else str(value)


def build_message(kind: str, context: dict) -> Message:
    unknown = set(context) - ALLOWED_KEYS
    if unknown:
        raise ValueError(f"notification context has keys outside the whitelist: {sorted(unknown)}")
    # A value may be a lazy translation or a callable: it is rendered here, in the recipient's language
    # (the caller's ``translation.override``), not frozen in the language of whoever caused the event.
    c = {key: _plain(value) for key, value in context.items()}
    c["item_title"] = mask_free_text(c.get("item_title", ""))
    excerpt = mask_free_text(c.get("excerpt", ""))
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[:EXCERPT_CHARS] + "…"
    shop = c.get("shop_name", "")
    number = c.get("case_id", "")
    lines: list[str] = []
    if kind == NotificationKind.NEW_CASE:
        title = _("【新中差评】%(shop)s · 案件 #%(number)s") % {"shop": shop, "number": number}
        lines.append(_("问题类型：%(issue)s") % {"issue": c.get("issue_type") or _("未分类")})
        if c.get("rating"):
            lines.append(_("评分：%(rating)s") % {"rating": c["rating"]})
        if c.get("malicious") == "True":
            lines.append(_("疑似恶意差评，请法务关注。"))
        if c.get("item_title"):
            lines.append(_("商品：%(item)s") % {"item": c["item_title"]})
        if excerpt:
            lines.append(_("评价：%(excerpt)s") % {"excerpt": excerpt})
        if c.get("due_at"):
            lines.append(_("首次响应截止：%(due)s") % {"due": c["due_at"]})
    elif kind == NotificationKind.SLA_WARNING:
        title = _("【时效预警】%(shop)s · 案件 #%(number)s") % {"shop": shop, "number": number}
        lines.append(
            _("%(target)s将于 %(due)s 到期。") % {"target": c.get("target", ""), "due": c.get("due_at", "")}
        )
        if c.get("assignee"):
            lines.append(_("处理人：%(who)s") % {"who": c["assignee"]})
    elif kind == NotificationKind.SLA_BREACH:
        title = _("【时效超时】%(shop)s · 案件 #%(number)s") % {"shop": shop, "number": number}
        lines.append(
            _("%(target)s已于 %(due)s 超时，请立即处理。")
            % {"target": c.get("target", ""), "due": c.get("due_at", "")}
        )
        lines.append(_("处理人：%(who)s") % {"who": c.get("assignee") or _("未分配")})
    elif kind == NotificationKind.ASSIGNED:
        title = _("【新分配】%(shop)s · 案件 #%(number)s 已分配给你") % {"shop": shop, "number": number}
        if c.get("issue_type"):
            lines.append(_("问题类型：%(issue)s") % {"issue": c["issue_type"]})
        if c.get("due_at"):
            lines.append(_("首次响应截止：%(due)s") % {"due": c["due_at"]})
    elif kind == NotificationKind.RATING_WORSENED:
        title = _("【评分变差】%(shop)s · 案件 #%(number)s") % {"shop": shop, "number": number}
        lines.append(
            _("买家评分由 %(old)s 分变为 %(new)s 分，案件已重新打开，请升级处理。")
            % {
                "old": c.get("rating_from", ""),
                "new": c.get("rating_to", ""),
            }
        )
        lines.append(_("处理人：%(who)s") % {"who": c.get("assignee") or _("未分配")})
    elif kind == NotificationKind.APPROVAL_REQUESTED:
        title = _("【待审批】%(shop)s · 案件 #%(number)s 的补偿方案") % {"shop": shop, "number": number}
        lines.append(
            _("方案：%(option)s，成本%(amount)s元")
            % {"option": c.get("option", ""), "amount": c.get("amount", "")}
        )
        lines.append(_("提出人：%(who)s") % {"who": c.get("assignee", "")})
        if c.get("reason"):
            lines.append(c["reason"])
    elif kind == NotificationKind.APPROVAL_DECIDED:
        title = _("【审批结果】%(shop)s · 案件 #%(number)s：%(decision)s") % {
            "shop": shop,
            "number": number,
            "decision": c.get("decision", ""),
        }
        lines.append(
            _("方案：%(option)s，成本%(amount)s元")
            % {"option": c.get("option", ""), "amount": c.get("amount", "")}
        )
        lines.append(_("审批人：%(who)s") % {"who": c.get("assignee", "")})
        if c.get("reason"):
            lines.append(_("意见：%(reason)s") % {"reason": c["reason"]})
    elif kind == NotificationKind.NEW_CASES_DIGEST:
        title = _("【新中差评】%(shop)s 新增 %(count)s 条待处理") % {
            "shop": shop,
            "count": c.get("count", ""),
        }
        lines.append(_("批量导入或同步带来多条中差评，已合并为一条通知，请到工作台查看。"))
    elif kind == NotificationKind.JOB_FINISHED:
        # A background job (the jobs app) words its own title; ``case_path`` carries its page's path.
        title = c.get("job_title", "")
    elif kind == NotificationKind.CONNECTOR:
        # A platform connector (the connectors app: a reply the platform refused, a connector that stalled
        # or needs re-authorisation) words its own title and message; ``case_path`` is the page to open.
        title = c.get("connector_title", "")
        if c.get("message"):
            lines.append(c["message"])
    else:
        raise ValueError(f"unknown notification kind {kind!r}")
    if c.get("tier_name"):
        lines.append(_("时效等级：%(tier)s") % {"tier": c["tier_name"]})
    return Message(title=title, lines=tuple(lines), url=absolute_url(c.get("case_path", "")))
