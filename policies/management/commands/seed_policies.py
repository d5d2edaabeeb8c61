"""``python manage.py seed_policies``: load the default policy pack (policies/default_pack.py).

Creates only the rows that are missing, found by natural key (platform, code, name, issue type,
event …, always in the global scope); an existing row is never touched, so a manager's edits
survive and a second run changes nothing. Every row goes through ``full_clean()`` and the engine's
checks (``policies.validation``) first, the same validation a manager faces in the admin. Needs no shop.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction

from policies import default_pack as pack
from policies.choices import Weekday
from policies.loader import clear_policy_cache
from policies.models import (
    AppealChecklist,
    BusinessCalendar,
    ClassificationRule,
    CompensationOption,
    CompensationRule,
    ComplianceRule,
    ContactLimit,
    CustomerTier,
    FollowUpPlan,
    FollowUpStep,
    IssueType,
    MaliciousSignal,
    OpeningHours,
    PlatformRule,
    ReplyTemplate,
    SlaTier,
)
from policies.validation import check_engine_rules

_DECIMAL_FIELDS = {
    "min_annual_spend",
    "threshold",
    "amount_above",
    "amount_up_to",
    "value",
    "extra_coupon",
    "cost_cap",
}


def _time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def _values(data: dict, *, skip=()) -> dict:
    return {
        k: (Decimal(v) if k in _DECIMAL_FIELDS and v is not None else v)
        for k, v in data.items()
        if k not in skip
    }


class _Seeder:
    def __init__(self):
        self.created: dict[str, int] = {}
        self.skipped: list[str] = []

    def save(self, obj) -> bool:
        try:
            obj.full_clean()
            check_engine_rules(obj)
        except ValidationError as exc:
            self.skipped.append(f"{obj._meta.verbose_name}“{obj}”：{'；'.join(exc.messages)}")
            return False
        obj.save()
        label = str(obj._meta.verbose_name)
        self.created[label] = self.created.get(label, 0) + 1
        return True

    def run(self) -> None:
        for data in pack.PLATFORM_RULES:
            if not PlatformRule.objects.filter(
                platform=data["platform"], shop__isnull=True, client__isnull=True
            ).exists():
                self.save(PlatformRule(**data))
        issue_types = {}
        for data in pack.ISSUE_TYPES:
            existing = IssueType.objects.filter(code=data["code"]).first()
            if existing is None:
                existing = IssueType(**data)
                if not self.save(existing):
                    existing = None
            issue_types[data["code"]] = existing
        for data in pack.CLASSIFICATION_RULES:
            if not ClassificationRule.objects.filter(
                name=data["name"], shop__isnull=True, client__isnull=True
            ).exists():
                self.save(
                    ClassificationRule(
                        issue_type=issue_types.get(data["issue_type"]), **_values(data, skip=("issue_type",))
                    )
                )
        for data in pack.MALICIOUS_SIGNALS:
            if not MaliciousSignal.objects.filter(
                name=data["name"], shop__isnull=True, client__isnull=True
            ).exists():
                self.save(MaliciousSignal(**_values(data)))
        self.seed_calendar()
        for data in pack.SLA_TIERS:
            issue = issue_types.get(data["issue_type"]) if data["issue_type"] else None
            if data["issue_type"] and issue is None:
                continue
            if not SlaTier.objects.filter(issue_type=issue, shop__isnull=True, client__isnull=True).exists():
                self.save(SlaTier(issue_type=issue, **pack.SLA_COMMON, **_values(data, skip=("issue_type",))))
        tiers = {}
        for data in pack.CUSTOMER_TIERS:
            tier = CustomerTier.objects.filter(
                code=data["code"], shop__isnull=True, client__isnull=True
            ).first()
            if tier is None:
                tier = CustomerTier(**_values(data))
                if not self.save(tier):
                    tier = None
            tiers[data["code"]] = tier
        for data in pack.COMPENSATION_RULES:
            self.seed_compensation(data, issue_types, tiers)
        # Compliance before templates: an active template is checked against the rules on save.
        for data in pack.COMPLIANCE_RULES:
            if not ComplianceRule.objects.filter(
                name=data["name"], shop__isnull=True, client__isnull=True
            ).exists():
                self.save(ComplianceRule(**data))
        clear_policy_cache()
        templates = {}
        for data in pack.TEMPLATES:
            template = ReplyTemplate.objects.filter(
                name=data["name"], shop__isnull=True, client__isnull=True
            ).first()
            if template is None:
                template = ReplyTemplate(**data)
                if not self.save(template):
                    template = None
            templates[data["name"]] = template
        self.seed_follow_up_plan(templates)
        for data in pack.APPEAL_CHECKLISTS:
            if not AppealChecklist.objects.filter(
                platform=data["platform"], reason=data["reason"], shop__isnull=True, client__isnull=True
            ).exists():
                self.save(AppealChecklist(**data))
        for data in pack.CONTACT_LIMITS:
            if not ContactLimit.objects.filter(
                platform=data["platform"], shop__isnull=True, client__isnull=True
            ).exists():
                values = {
                    **data,
                    "quiet_start": _time(data["quiet_start"]),
                    "quiet_end": _time(data["quiet_end"]),
                }
                self.save(ContactLimit(**values))

    def seed_calendar(self) -> None:
        spec = pack.CALENDAR
        # One active global calendar at most: a manager's own calendar (any name) wins.
        if BusinessCalendar.objects.filter(name=spec["name"]).exists():
            return
        if BusinessCalendar.objects.filter(shop__isnull=True, client__isnull=True, active=True).exists():
            return
        calendar = BusinessCalendar(name=spec["name"], timezone=spec["timezone"])
        if not self.save(calendar):
            return
        for weekday in Weekday.values:
            self.save(
                OpeningHours(
                    calendar=calendar,
                    weekday=weekday,
                    opens=_time(spec["opens"]),
                    closes=_time(spec["closes"]),
                )
            )

    def seed_compensation(self, data: dict, issue_types: dict, tiers: dict) -> None:
        if CompensationRule.objects.filter(
            name=data["name"], shop__isnull=True, client__isnull=True
        ).exists():
            return
        issue = issue_types.get(data.get("issue_type")) if data.get("issue_type") else None
        tier = tiers.get(data.get("customer_tier")) if data.get("customer_tier") else None
        if (data.get("issue_type") and issue is None) or (data.get("customer_tier") and tier is None):
            return
        rule = CompensationRule(
            issue_type=issue,
            customer_tier=tier,
            **_values(data, skip=("issue_type", "customer_tier", "options")),
        )
        if not self.save(rule):
            return
        for order, option in enumerate(data["options"]):
            self.save(CompensationOption(rule=rule, sort_order=order, **_values(option)))

    def seed_follow_up_plan(self, templates: dict) -> None:
        spec = pack.FOLLOW_UP_PLAN
        if FollowUpPlan.objects.filter(event=spec["event"], shop__isnull=True, client__isnull=True).exists():
            return
        plan = FollowUpPlan(name=spec["name"], event=spec["event"])
        if not self.save(plan):
            return
        for step in spec["steps"]:
            values = {k: v for k, v in step.items() if k != "template"}
            self.save(FollowUpStep(plan=plan, template=templates.get(step["template"]), **values))


def seed_default_pack() -> _Seeder:
    """Create the missing rows of the default pack in one transaction; returns what was done."""
    seeder = _Seeder()
    with transaction.atomic():
        seeder.run()
    clear_policy_cache()
    return seeder


class Command(BaseCommand):
    help = "载入默认规则包(只补充缺失的规则，不覆盖经理已修改的规则)。"

    def handle(self, *args, **options):
        seeder = seed_default_pack()
        if options["verbosity"] == 0:
            return
        for problem in seeder.skipped:
            self.stderr.write(f"跳过：{problem}")
        if seeder.created:
            summary = "，".join(f"{label} {count} 条" for label, count in seeder.created.items())
            self.stdout.write(self.style.SUCCESS(f"已创建：{summary}。"))
        else:
            self.stdout.write("默认规则包已是最新，没有需要创建的规则。")
