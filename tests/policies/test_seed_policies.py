"""seed_policies: the default pack, idempotent, never overwriting a manager's edits."""

import pytest
from django.apps import apps
from django.core.management import call_command

from policies import default_pack
from policies.management.commands.seed_policies import seed_default_pack
from policies.models import (
    AppealChecklist,
    ClassificationRule,
    CompensationOption,
    CompensationRule,
    ComplianceRule,
    ContactLimit,
    FollowUpStep,
    IssueType,
    PlatformRule,
    ReplyTemplate,
    SlaTier,
)
from reviewdesk.models import Shop

pytestmark = pytest.mark.django_db


def table_counts() -> dict[str, int]:
    """Rows of every policies table, history tables included."""
    return {
        model._meta.label: model.objects.count() for model in apps.get_app_config("policies").get_models()
    }


def test_seed_runs_before_any_shop_and_loads_the_pack():
    seeder = seed_default_pack()
    assert seeder.skipped == []
    assert Shop.objects.count() == 0
    assert sorted(PlatformRule.objects.values_list("platform", flat=True)) == [
        "douyin",
        "jd",
        "pdd",
        "taobao",
        "tmall",
    ]
    assert dict(PlatformRule.objects.values_list("platform", "may_request_revision")) == {
        "taobao": False,
        "tmall": False,
        "douyin": True,
        "jd": True,
        "pdd": False,
    }
    assert sorted(IssueType.objects.values_list("code", flat=True)) == [
        "logistics",
        "malicious",
        "misunderstanding",
        "other",
        "quality",
        "service",
    ]
    malicious = IssueType.objects.get(code="malicious")
    assert (malicious.is_malicious, malicious.compensable) == (True, False)
    assert IssueType.objects.get(is_fallback=True).code == "other"
    opener = ClassificationRule.objects.get(name="差评/投诉关键词开案")
    assert (opener.opens_case, opener.issue_type_id) == (True, None)
    tiers = {
        t.issue_type.code if t.issue_type else None: t for t in SlaTier.objects.select_related("issue_type")
    }
    assert {k: (t.first_response_minutes, t.handling_role, t.escalation_role) for k, t in tiers.items()} == {
        "logistics": (120, "agent", "supervisor"),
        "quality": (240, "supervisor", "manager"),
        "malicious": (60, "legal", "manager"),
        None: (1440, "agent", "supervisor"),
    }
    assert {(t.next_response_minutes, t.public_reply_minutes, t.warn_at_percent) for t in tiers.values()} == {
        (180, 1440, 80)
    }
    assert sorted(set(AppealChecklist.objects.values_list("platform", flat=True))) == [
        "douyin",
        "jd",
        "pdd",
        "taobao",
        "tmall",
    ]
    douyin = AppealChecklist.objects.get(platform="douyin", reason="extortion")
    assert (douyin.label, douyin.evidence_list, douyin.max_images, douyin.description_max_chars) == (
        "利用评价要挟",
        ["飞鸽聊天记录", "通话录音"],
        6,
        100,
    )
    assert set(AppealChecklist.objects.filter(platform="jd").values_list("once_per_review", flat=True)) == {
        True
    }
    limit = ContactLimit.objects.get()
    assert (limit.max_attempts_per_case, f"{limit.quiet_start:%H:%M}", f"{limit.quiet_end:%H:%M}") == (
        3,
        "22:00",
        "08:00",
    )
    assert CompensationRule.objects.count() == 10
    assert ComplianceRule.objects.count() == len(default_pack.COMPLIANCE_RULES) == 10


def test_the_seed_000_revision_request_is_never_an_active_template():
    call_command("seed_policies", verbosity=0)
    asking = ReplyTemplate.objects.get(body__contains="方便的话能否帮忙更新评价")
    assert asking.active is False
    step = FollowUpStep.objects.get(template=asking)
    assert (step.asks_for_revision, step.offset_minutes) == (True, 1440)
    assert not ReplyTemplate.objects.filter(active=True, body__contains="更新评价").exists()
    assert [s.offset_minutes for s in FollowUpStep.objects.order_by("offset_minutes")] == [
        60,
        1440,
        4320,
        43200,
    ]


def test_every_seeded_row_passes_full_clean():
    call_command("seed_policies", verbosity=0)
    for model in apps.get_app_config("policies").get_models():
        if model._meta.label.startswith("policies.Historical"):
            continue
        for row in model.objects.all():
            row.full_clean()


def test_second_run_changes_nothing():
    call_command("seed_policies", verbosity=0)
    before = table_counts()
    versions = dict(SlaTier.objects.values_list("pk", "version"))
    call_command("seed_policies", verbosity=0)
    assert table_counts() == before
    assert dict(SlaTier.objects.values_list("pk", "version")) == versions


def test_second_run_does_not_overwrite_a_managers_edit():
    call_command("seed_policies", verbosity=0)
    tier = SlaTier.objects.get(issue_type__code="logistics")
    tier.first_response_minutes = 90
    tier.save()
    option = CompensationOption.objects.get(name="VIP专属礼包")
    option.cost_cap = 25
    option.save()
    before = table_counts()
    call_command("seed_policies", verbosity=0)
    tier.refresh_from_db()
    option.refresh_from_db()
    assert (tier.first_response_minutes, tier.version) == (90, 2)
    assert option.cost_cap == 25
    assert table_counts() == before


def test_a_deleted_default_is_recreated_but_nothing_else_changes():
    call_command("seed_policies", verbosity=0)
    ComplianceRule.objects.get(name="避免推卸责任用语").delete()
    before = table_counts()
    call_command("seed_policies", verbosity=0)
    after = table_counts()
    assert after["policies.ComplianceRule"] == before["policies.ComplianceRule"] + 1
    assert after["policies.HistoricalComplianceRule"] == before["policies.HistoricalComplianceRule"] + 1
    assert {k: v for k, v in after.items() if "ComplianceRule" not in k} == {
        k: v for k, v in before.items() if "ComplianceRule" not in k
    }
