"""One row per key in each layer (``policies.models.base.unique_per_layer``), said in words: a clash
reads "this layer already has the same rule", never Django's "constraint uniq_… is violated", on every
model that has such a rule (policies, outreach, prevention)."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import translation

from policies.models import BusinessCalendar, ContactLimit
from policies.models.base import SAME_RULE_CLIENT, SAME_RULE_GLOBAL, SAME_RULE_SHOP, PolicyBase
from prevention.models import LateRule, RiskRule
from tests.project_apps import project_apps

LAYER_MESSAGES = {"global": SAME_RULE_GLOBAL, "client": SAME_RULE_CLIENT, "shop": SAME_RULE_SHOP}


def _layered_constraints():
    for app in project_apps():
        for model in apps.get_app_config(app).get_models():
            if not issubclass(model, PolicyBase):  # the layered rules (global, client, shop)
                continue
            for constraint in model._meta.constraints:
                if isinstance(constraint, models.UniqueConstraint) and constraint.name.endswith(
                    tuple(f"_{layer}" for layer in LAYER_MESSAGES)
                ):
                    yield model, constraint


@pytest.mark.django_db
def test_every_per_layer_rule_says_its_clash_in_words():
    found = list(_layered_constraints())
    assert {m.__name__ for m, _c in found} >= {
        "ContactLimit",
        "SlaTier",
        "LateRule",
        "RiskRule",
        "ReturnReasonRule",
    }
    for model, constraint in found:
        layer = constraint.name.rsplit("_", 1)[1]
        assert constraint.violation_error_message == LAYER_MESSAGES[layer], (model.__name__, constraint.name)


@pytest.mark.django_db
def test_a_second_global_contact_limit_of_a_platform_is_refused_in_words(policy_pack):
    first = ContactLimit.objects.filter(shop=None, client=None).first()
    twin = ContactLimit(
        **{f.name: getattr(first, f.name) for f in ContactLimit._meta.concrete_fields if not f.primary_key}
    )

    with pytest.raises(ValidationError) as refused:
        twin.validate_constraints()

    assert refused.value.messages == [str(SAME_RULE_GLOBAL)]


@pytest.mark.django_db
def test_the_database_refuses_a_second_late_rule_of_a_courier_in_a_shop(shop):
    LateRule.objects.create(shop=shop, name="中通", platform="taobao", courier="中通")
    with pytest.raises(IntegrityError), transaction.atomic():
        LateRule.objects.create(shop=shop, name="中通又一条", platform="taobao", courier="中通")
    assert LateRule.objects.filter(shop=shop).count() == 1


@pytest.mark.django_db
def test_a_shop_may_replace_a_global_risk_rule_of_the_same_name(shop):
    RiskRule.objects.create(name="高频退货", min_after_sales=3)
    RiskRule.objects.create(shop=shop, name="高频退货", min_after_sales=5)  # its own layer: replaces it
    with pytest.raises(ValidationError) as refused:
        RiskRule(shop=shop, name="高频退货", min_after_sales=2).validate_constraints()
    assert refused.value.messages == [str(SAME_RULE_SHOP)]


@pytest.mark.django_db
def test_a_shop_has_one_active_calendar(shop):
    """The loader would take the newer of two; now the second is refused while the first is on."""
    BusinessCalendar.objects.create(shop=shop, name="店铺日历")
    BusinessCalendar.objects.create(shop=shop, name="旧日历", active=False)  # switched off: allowed
    with pytest.raises(ValidationError) as refused:
        BusinessCalendar(shop=shop, name="又一个日历").validate_constraints()
    assert refused.value.messages == [str(SAME_RULE_SHOP)]
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessCalendar.objects.create(shop=shop, name="又一个日历")
    assert BusinessCalendar.objects.filter(shop=shop, active=True).count() == 1


@pytest.mark.django_db
def test_the_one_of_a_kind_rules_say_their_clash_in_words(policy_pack):
    """An admin form that would make a second fallback issue type, a second active SMS account of a
    shop or a second commitment of a campaign and issue type reads why, not the constraint's name."""
    from policies.models import IssueType

    second = IssueType(code="another-fallback", name="另一个兜底", is_fallback=True)
    with pytest.raises(ValidationError) as refused:
        second.validate_constraints()
    assert refused.value.messages == ["已有一个兜底类型：请先取消那一个的“兜底类型”。"]
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            second.validate_constraints()
        assert refused.value.messages == [
            "There is already a fallback type: untick “Fallback type” on that one first."
        ]
    layered = [
        c for c in apps.get_model("outreach", "SmsAccount")._meta.constraints if c.name.startswith("uniq_")
    ]
    layered += [c for c in apps.get_model("policies", "CampaignCommitment")._meta.constraints]
    assert layered and all("uniq_" not in str(c.violation_error_message) for c in layered)
    assert all(c.violation_error_message != c.default_violation_error_message for c in layered)
