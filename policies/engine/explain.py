"""The human-readable "why" of a decision (CLI, admin sandbox) and a JSON-ready form of it."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import translation
from django.utils.translation import gettext as _

from policies.choices import Channel, TemplateStage
from policies.decisions import ComplianceReport, Decision
from policies.engine.timing import duration_label, role_label
from reviewdesk.choices import Platform
from reviewdesk.i18n_text import again
from reviewdesk.jsonenc import jsonable

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else "—"


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def _compliance_line(report: ComplianceReport) -> str:
    parts = []
    if report.blocking:
        parts.append(_("拦截：%(items)s") % {"items": "；".join(f.describe() for f in report.blocking)})
    if report.too_long:
        parts.append(
            _("超过字数上限(%(length)s/%(max)s字)") % {"length": report.length, "max": report.max_length}
        )
    if report.warnings:
        parts.append(_("警告：%(items)s") % {"items": "；".join(f.describe() for f in report.warnings)})
    return "；".join(parts) if parts else _("合规检查通过")


def explain(decision: Decision, language: str = "zh-hans", layers: dict | None = None) -> str:
    """Several lines of plain text saying what the policy decided and why, in ``language``.

    ``layers`` ((model name, id) → (kind, code), ``policies.layers.decided_by``) adds which layer
    decided each rule: 全局, 品牌方 X or 店铺 Y."""
    with translation.override(language):
        lines = _lines(decision)
        if layers is not None:
            lines += _layer_lines(decision, layers)
        return "\n".join(lines)


def _layer_lines(decision: Decision, layers: dict) -> list[str]:
    from policies.layers import GLOBAL, layer_label

    lines = []
    for ref in decision.rule_refs:
        kind, code = layers.get((ref.model, ref.id), (GLOBAL, ""))
        lines.append(_("　%(rule)s — %(layer)s") % {"rule": ref.name, "layer": layer_label(kind, code)})
    return [_("各规则的层级：")] + lines if lines else []


def _lines(d: Decision) -> list[str]:
    f, c = d.facts, d.classification
    lines = [
        _("平台：%(platform)s　评分：%(rating)s/5")
        % {"platform": _label(Platform, f.platform), "rating": f.rating},
        _("开案：%(yes)s — %(reason)s")
        % {"yes": _("是") if c.opens_case else _("否"), "reason": again(c.reason)},
    ]
    if c.opens_case:
        lines.append(
            _("问题类型：%(name)s%(malicious)s")
            % {"name": c.issue_type_name or "—", "malicious": _("(疑似恶意)") if c.malicious else ""}
        )
    if c.signals:
        lines.append(_("恶意信号：%(signals)s") % {"signals": "；".join(again(s) for s in c.signals)})
    if c.matched_keywords:
        lines.append(_("命中关键词：%(keywords)s") % {"keywords": "、".join(c.matched_keywords)})
    if d.customer_tier_rule:
        lines.append(_("客户分层：%(name)s") % {"name": d.customer_tier_rule.name})
    s = d.sla
    if s is not None and s.tier is not None:
        lines += [
            _("时效等级：%(name)s — 由%(role)s处理，超时升级给%(escalation)s")
            % {
                "name": s.tier_name,
                "role": role_label(s.handling_role),
                "escalation": role_label(s.escalation_role),
            },
            _("　首次响应：%(duration)s，截止 %(due)s(预警 %(warn)s)")
            % {
                "duration": duration_label(s.first_response_minutes),
                "due": _when(s.first_response_due_at),
                "warn": _when(s.first_response_warn_at),
            },
            _("　买家回复后再响应：%(duration)s") % {"duration": duration_label(s.next_response_minutes)},
            _("　公开回复：%(duration)s，截止 %(due)s")
            % {"duration": duration_label(s.public_reply_minutes), "due": _when(s.public_reply_due_at)},
            _("　解决：%(duration)s，截止 %(due)s")
            % {"duration": duration_label(s.resolution_minutes), "due": _when(s.resolution_due_at)},
            _("　依据：%(reason)s") % {"reason": again(s.reason)},
        ]
        if s.campaign is not None:
            lines.append(_("　大促时段：%(name)s") % {"name": s.campaign.name})
            if s.campaign_promise:
                lines.append(_("　对买家的时效承诺：%(promise)s") % {"promise": s.campaign_promise})
    elif s is not None:
        lines.append(again(s.reason))
    w = d.windows
    if w.rule is not None:
        lines.append(
            _("平台期限：买家可改评价 %(revision)s；商家回复 %(reply)s%(chars)s；申诉 %(appeal)s；%(ask)s")
            % {
                "revision": _when(w.revision_until) if w.revision_allowed else _("不可"),
                "reply": _when(w.reply_until) if w.reply_allowed else _("不可"),
                "chars": _("(≤%(n)s字)") % {"n": w.reply_max_chars} if w.reply_max_chars else "",
                "appeal": _when(w.appeal_until) if w.appeal_allowed else _("不可"),
                "ask": _("允许请买家修改评价") if w.may_request_revision else _("不允许请买家修改/追加评价"),
            }
        )
    if c.opens_case:
        lines.append(_("补偿方案：%(reason)s") % {"reason": again(d.compensation_reason)})
        for i, offer in enumerate(d.compensation, 1):
            approval = (
                _("，需%(role)s审批") % {"role": role_label(offer.approval_role)}
                if offer.requires_approval
                else ""
            )
            acceptance = (
                _("，预期接受率%(p)s%%") % {"p": offer.expected_acceptance}
                if offer.expected_acceptance
                else ""
            )
            lines.append(
                _(
                    "　%(i)s. %(name)s — 金额%(amount)s元，附加券%(coupon)s元，成本%(cost)s元%(approval)s%(acceptance)s"
                )
                % {
                    "i": i,
                    "name": offer.name,
                    "amount": offer.amount,
                    "coupon": offer.extra_coupon,
                    "cost": offer.cost,
                    "approval": approval,
                    "acceptance": acceptance,
                }
            )
            lines.append(f"　　{again(offer.reason)}")
    if d.templates:
        lines.append(_("适用模板："))
        for t in d.templates:
            lines.append(
                f"　[{_label(Channel, t.channel)}/{_label(TemplateStage, t.stage)}] {t.name} — {_compliance_line(t.compliance)}"
            )
            lines.append(f"　　{t.text}")
    if d.follow_ups:
        lines.append(_("回访计划："))
        for step in d.follow_ups:
            state = _("跳过") if step.skipped else _("执行")
            lines.append(
                f"　+{duration_label(step.offset_minutes)} {step.name}（{state}）{('— ' + again(step.reason)) if step.reason else ''}"
            )
    if d.appeal is not None:
        a = d.appeal
        lines.append(
            _("申诉：截止 %(until)s；%(reason)s")
            % {"until": _when(a.appeal_until), "reason": again(a.reason)}
        )
        if a.max_images or a.description_max_chars or a.once_per_review:
            lines.append(
                _("　限制：图片≤%(images)s张，说明≤%(chars)s字%(once)s")
                % {
                    "images": a.max_images or "—",
                    "chars": a.description_max_chars or "—",
                    "once": _("，每条评价只能申诉一次") if a.once_per_review else "",
                }
            )
    if d.contact_limit is not None:
        cl = d.contact_limit
        lines.append(
            _("联系限制：每案最多%(n)s次，间隔≥%(gap)s分钟，%(start)s–%(end)s免打扰")
            % {
                "n": cl.max_attempts_per_case,
                "gap": cl.min_minutes_between,
                "start": cl.quiet_start.strftime("%H:%M"),
                "end": cl.quiet_end.strftime("%H:%M"),
            }
        )
    return lines


def _verdict(report) -> dict:
    if hasattr(type(report), "blocked"):  # ComplianceReport: its derived verdict too
        return {"blocked": report.blocked, "too_long": report.too_long}
    return {}


def to_jsonable(value):
    """Dataclasses → dicts, Decimal → "18.00", datetimes → ISO 8601 in Asia/Shanghai (+08:00)."""
    return jsonable(value, tz=SHANGHAI, extra=_verdict)


def decision_to_dict(decision: Decision, layers: dict | None = None) -> dict:
    """The decision as JSON-ready data; with ``layers`` (as for ``explain``) each rule ref also says its
    layer: ``"layer": "global" | "client" | "shop"`` and ``"layer_code"`` (the client's or shop's code)."""
    data = to_jsonable(decision)
    data["rule_refs"] = [to_jsonable(ref) for ref in decision.rule_refs]
    if layers is not None:
        from policies.layers import GLOBAL

        for ref, item in zip(decision.rule_refs, data["rule_refs"], strict=True):
            kind, code = layers.get((ref.model, ref.id), (GLOBAL, ""))
            item["layer"], item["layer_code"] = kind, code
    return data
