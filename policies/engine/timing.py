"""Clocks: the SLA tier and its business-time deadlines, and the platform's calendar-day windows."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils.translation import get_language

from policies.business_time import add_business_minutes
from policies.decisions import Classification, PlatformWindows, ReviewFacts, SlaDecision
from policies.engine.policy import (
    CalendarPolicy,
    CampaignCommitmentSpec,
    CampaignSpec,
    Policy,
    SlaTierSpec,
)
from reviewdesk.choices import Role
from reviewdesk.i18n_text import deferred as _
from reviewdesk.i18n_text import joined, label, named

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def duration_label(minutes: int) -> str:
    """120 → "2小时", 90 → "1小时30分钟", 45 → "45分钟", 4320 → "3天" (whole days from 2 days on)."""
    if minutes >= 2880 and minutes % 1440 == 0:
        return _("%(d)s天") % {"d": minutes // 1440}
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(h)s小时%(m)s分钟") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)s小时") % {"h": hours}
    return _("%(m)s分钟") % {"m": rest}


def role_label(role: str) -> str:
    try:
        return label(Role(role).label)
    except ValueError:
        return role or "—"


def deadline(
    start: dt.datetime, minutes: int, policy: Policy, *, calendar: CalendarPolicy | None = None
) -> dt.datetime:
    """``start`` + ``minutes`` business minutes on the policy's calendar (or ``calendar``), for clocks
    that start later, e.g. the next response after the buyer answers."""
    return add_business_minutes(start, minutes, (calendar or policy.calendar).spec)


def sla(
    facts: ReviewFacts, policy: Policy, classification: Classification, *, ui_language: str | None = None
) -> SlaDecision | None:
    """The tier for the issue type (or the fallback tier) and its deadlines from ``facts.received_at``.

    The decision depends only on the tier and the start (one import starts every clock at the same
    moment), so it is memoised per snapshot on (tier, start): six business-time walks per tier and
    start instead of per review.
    """
    if not classification.opens_case:
        return None
    tier = policy.sla_tiers.get(classification.issue_type_id) if classification.issue_type_id else None
    fallback = tier is None
    if tier is None:
        tier = policy.sla_tiers.get(None)
    language = ui_language or get_language()
    campaign = policy.campaign_at(facts.received_at) if tier is not None else None
    key = (
        "sla-decision",
        tier.ref.id if tier else None,
        fallback,
        classification.issue_type_name,
        facts.received_at,
        language,
    )
    if campaign is not None:
        tier = _in_campaign(tier, campaign, classification.issue_type_id)
    return policy.remember(
        key, lambda: _sla(facts, policy, classification, tier, fallback, language, campaign)
    )


@dataclass(frozen=True)
class _CampaignTier:
    """A tier as a peak season changes it: the commitment's targets over the tier's, the season's calendar."""

    base: SlaTierSpec
    campaign: CampaignSpec
    commitment: CampaignCommitmentSpec | None

    def __getattr__(self, name):
        if name.startswith("__") or name in ("base", "campaign", "commitment"):
            raise AttributeError(name)  # copy/pickle probe before the fields exist
        return getattr(self.base, name)

    def _minutes(self, name: str) -> int:
        value = getattr(self.commitment, name, None) if self.commitment is not None else None
        return getattr(self.base, name) if value is None else value

    @property
    def first_response_minutes(self) -> int:
        return self._minutes("first_response_minutes")

    @property
    def public_reply_minutes(self) -> int:
        return self._minutes("public_reply_minutes")

    @property
    def resolution_minutes(self) -> int:
        return self._minutes("resolution_minutes")

    @property
    def calendar(self) -> CalendarPolicy | None:
        return self.campaign.calendar or self.base.calendar


def _in_campaign(tier: SlaTierSpec, campaign: CampaignSpec, issue_type_id: int | None) -> _CampaignTier:
    return _CampaignTier(tier, campaign, campaign.commitment_for(issue_type_id))


def _sla(
    facts: ReviewFacts,
    policy: Policy,
    classification: Classification,
    tier,
    fallback: bool,
    language: str,
    campaign: CampaignSpec | None = None,
) -> SlaDecision:
    if tier is None:
        return SlaDecision(
            tier=None,
            tier_name="",
            handling_role="",
            escalation_role="",
            warn_at_percent=0,
            first_response_minutes=0,
            next_response_minutes=0,
            public_reply_minutes=0,
            resolution_minutes=0,
            first_response_due_at=None,
            public_reply_due_at=None,
            resolution_due_at=None,
            calendar=None,
            reason=_("没有配置时效等级，案件没有截止时间"),
        )
    calendar = tier.calendar or policy.calendar
    start = facts.received_at
    due = warn = {}
    if start is not None:
        spec = calendar.spec
        targets = (
            ("first", tier.first_response_minutes),
            ("public", tier.public_reply_minutes),
            ("resolution", tier.resolution_minutes),
        )
        due = {key: add_business_minutes(start, minutes, spec) for key, minutes in targets}
        warn = {
            key: add_business_minutes(start, minutes * tier.warn_at_percent // 100, spec)
            for key, minutes in targets
        }
    reason = policy.remember(
        (
            "sla",
            tier.ref.id,
            fallback,
            language,
            campaign.ref.id if campaign else None,
            classification.issue_type_id if campaign else None,
        ),
        lambda: _tier_reason(tier, calendar, _issue_name(policy, classification), fallback),
    )
    if campaign is not None:
        reason = policy.remember(
            ("sla-campaign", tier.ref.id, campaign.ref.id, classification.issue_type_id, language),
            lambda: joined("；", [_campaign_reason(campaign, tier), reason]),
        )
    return SlaDecision(
        tier=tier.ref,
        tier_name=tier.name,
        handling_role=tier.handling_role,
        escalation_role=tier.escalation_role,
        warn_at_percent=tier.warn_at_percent,
        first_response_minutes=tier.first_response_minutes,
        next_response_minutes=tier.next_response_minutes,
        public_reply_minutes=tier.public_reply_minutes,
        resolution_minutes=tier.resolution_minutes,
        first_response_due_at=due.get("first"),
        public_reply_due_at=due.get("public"),
        resolution_due_at=due.get("resolution"),
        calendar=calendar.ref,
        reason=reason,
        first_response_warn_at=warn.get("first"),
        public_reply_warn_at=warn.get("public"),
        resolution_warn_at=warn.get("resolution"),
        tier_name_en=tier.name_en,
        campaign=campaign.ref if campaign else None,
        campaign_promise=campaign.buyer_promise if campaign else "",
    )


def commitment_label(minutes: int) -> str:
    """1440 → "24 小时", 90 → "1小时30分钟": the hours of a peak-season promise as a buyer reads them."""
    if minutes % 60 == 0:
        return _("%(h)s 小时") % {"h": minutes // 60}
    return duration_label(minutes)


def _campaign_reason(campaign: CampaignSpec, tier) -> str:
    """ "大促“双11”(11-01 00:00 – 11-12 00:00)：大促期间承诺 24 小时解决 …" — what the season changed."""
    commitment = tier.commitment
    promised = []
    if commitment is not None:
        for minutes, text in (
            (commitment.first_response_minutes, _("大促期间承诺 %(d)s内首次响应")),
            (commitment.public_reply_minutes, _("大促期间承诺 %(d)s内公开回复")),
            (commitment.resolution_minutes, _("大促期间承诺 %(d)s内处理完毕")),
        ):
            if minutes is not None:
                promised.append(text % {"d": commitment_label(minutes)})
    if campaign.calendar is not None and campaign.calendar.ref is not None:
        promised.append(_("按大促排班日历“%(name)s”计时") % {"name": campaign.calendar.name})
    if not promised:
        promised.append(_("该问题类型沿用平时时效"))
    return _("大促“%(name)s”(%(start)s – %(end)s)：%(promised)s") % {
        "name": named(campaign.name, campaign.name_en),
        "start": _shanghai(campaign.starts_at),
        "end": _shanghai(campaign.ends_at),
        "promised": joined("，", promised),
    }


def _shanghai(value: dt.datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _issue_name(policy: Policy, classification: Classification) -> str:
    issue = policy.issue_types.get(classification.issue_type_id) if classification.issue_type_id else None
    return named(classification.issue_type_name, issue.name_en if issue else "")


def _tier_reason(tier, calendar: CalendarPolicy, issue_name: str, fallback: bool) -> str:
    if fallback:
        chosen_by = _("兜底时效等级(该问题类型没有专门的时效等级)")
    else:
        chosen_by = _("问题类型“%(name)s”的时效等级") % {"name": issue_name}
    calendar_text = (
        _("营业日历“%(name)s”") % {"name": calendar.name}
        if calendar.ref
        else _("未配置营业日历，按自然时间计算")
    )
    return _(
        "%(chosen_by)s“%(tier)s”：首次响应%(first)s，买家回复后%(next)s内再响应，私下沟通未果%(public)s内公开回复，"
        "%(resolution)s内解决；由%(role)s处理，超时升级给%(escalation)s；用掉%(warn)s%%时预警；按%(calendar)s计时"
    ) % {
        "chosen_by": chosen_by,
        "tier": named(tier.name, tier.name_en),
        "first": duration_label(tier.first_response_minutes),
        "next": duration_label(tier.next_response_minutes),
        "public": duration_label(tier.public_reply_minutes),
        "resolution": duration_label(tier.resolution_minutes),
        "role": role_label(tier.handling_role),
        "escalation": role_label(tier.escalation_role),
        "warn": tier.warn_at_percent,
        "calendar": calendar_text,
    }


def platform_windows(facts: ReviewFacts, policy: Policy) -> PlatformWindows:
    """Calendar-day windows counted from when the buyer wrote the review (else when it arrived)."""
    rule = policy.platform_rule
    if rule is None:
        return PlatformWindows(
            revision_allowed=False,
            revision_until=None,
            reply_allowed=True,
            reply_until=None,
            reply_max_chars=None,
            appeal_allowed=False,
            appeal_until=None,
            may_request_revision=False,
            rule=None,
        )
    base = facts.reviewed_at or facts.received_at

    def until(allowed: bool, days: int | None) -> dt.datetime | None:
        return base + dt.timedelta(days=days) if allowed and days and base is not None else None

    reply_allowed = rule.reply_allowed and not (rule.reply_closed_after_append and bool(facts.appended_text))
    return PlatformWindows(
        revision_allowed=rule.revision_allowed,
        revision_until=until(rule.revision_allowed, rule.revision_window_days),
        reply_allowed=reply_allowed,
        reply_until=until(reply_allowed, rule.reply_window_days),
        reply_max_chars=rule.reply_max_chars,
        appeal_allowed=rule.appeal_allowed,
        appeal_until=until(rule.appeal_allowed, rule.appeal_window_days),
        may_request_revision=rule.may_request_revision,
        rule=rule.ref,
    )
