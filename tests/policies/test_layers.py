"""Layered policies: global → client (品牌方) → shop, the most specific layer winning, in the loader and
the engine; a client-layer rule's history and revert; the loader's queries do not grow with layers."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from policies.decisions import ReviewFacts
from policies.engine import decide
from policies.loader import clear_policy_cache, load_policy
from policies.models import (
    BusinessCalendar,
    ClassificationRule,
    CompensationOption,
    CompensationRule,
    ContactLimit,
    IssueType,
    OpeningHours,
    PlatformRule,
    ReplyTemplate,
    SlaTier,
)
from reviewdesk.models import Client as Brand
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
RECEIVED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SH)


def facts(text="物流太慢", **kwargs):
    kwargs.setdefault("received_at", RECEIVED)
    return ReviewFacts(platform="taobao", rating=1, text=text, **kwargs)


@pytest.fixture
def brands(db):
    return Brand.objects.create(code="brand-a", name="品牌A"), Brand.objects.create(
        code="brand-b", name="品牌B"
    )


@pytest.fixture
def shops(brands):
    a, b = brands
    return {
        "a1": ShopFactory(code="tb-a1", platform="taobao", client=a),
        "a2": ShopFactory(code="tb-a2", platform="taobao", client=a),
        "b1": ShopFactory(code="tb-b1", platform="taobao", client=b),
        "own": ShopFactory(code="tb-own", platform="taobao"),  # the agency's own shop, no client
    }


def tier(**kwargs):
    row = SlaTier(
        issue_type=IssueType.objects.get(code="logistics"),
        handling_role="agent",
        escalation_role="supervisor",
        **kwargs,
    )
    row.full_clean()
    row.save()
    return row


def first_response(shop=None) -> int:
    return decide(facts(), load_policy(shop=shop, platform="taobao")).sla.first_response_minutes


def test_each_shop_resolves_its_own_layers(policy_pack, brands, shops):
    tier(client=brands[0], name="品牌A物流(90分钟)", first_response_minutes=90)
    shop_tier = tier(shop=shops["a1"], name="A1物流(60分钟)", first_response_minutes=60)
    assert first_response() == 120  # global only
    assert first_response(shops["own"]) == 120  # a shop without a client resolves as before
    assert first_response(shops["a2"]) == 90  # the client's layer overrides the global rule
    assert first_response(shops["a1"]) == 60  # the shop's override beats its client's
    assert first_response(shops["b1"]) == 120  # another client's shop is unaffected
    assert decide(facts(), load_policy(shop=shops["a1"], platform="taobao")).sla.tier.id == shop_tier.pk


def test_an_inactive_client_rule_falls_back_to_the_global_one(policy_pack, brands, shops):
    row = tier(client=brands[0], name="品牌A物流(90分钟)", first_response_minutes=90)
    assert first_response(shops["a2"]) == 90
    row.active = False
    row.save()
    assert first_response(shops["a2"]) == 120


def test_replace_and_add_rules_follow_the_layers(policy_pack, brands, shops):
    a = brands[0]
    quality = IssueType.objects.get(code="quality")
    rule = CompensationRule.objects.create(client=a, name="品牌A质量方案", issue_type=quality)
    CompensationOption.objects.create(rule=rule, name="品牌A补发", kind="reship", formula="none")
    PlatformRule.objects.create(client=a, platform="taobao", reply_max_chars=300)
    ContactLimit.objects.create(client=a, platform="", max_attempts_per_case=2)
    ContactLimit.objects.create(shop=shops["a1"], platform="", max_attempts_per_case=1)
    ClassificationRule.objects.create(
        client=a,
        name="品牌A：发错货",
        issue_type=IssueType.objects.get(code="service"),
        patterns="发错货",
        priority=5,
    )
    a2 = decide(
        facts("质量太差", order_amount=Decimal("80")), load_policy(shop=shops["a2"], platform="taobao")
    )
    assert "品牌A补发" in [o.name for o in a2.compensation]
    assert "补发 + 10元优惠券" not in [o.name for o in a2.compensation]  # the global group is replaced
    assert a2.windows.reply_max_chars == 300
    assert a2.contact_limit.max_attempts_per_case == 2
    a1 = decide(facts("发错货了"), load_policy(shop=shops["a1"], platform="taobao"))
    assert a1.contact_limit.max_attempts_per_case == 1  # the shop beats its client
    assert a1.classification.issue_type_code == "service"  # the client's rule is added to the shop's
    b1 = decide(
        facts("发错货了", order_amount=Decimal("80")), load_policy(shop=shops["b1"], platform="taobao")
    )
    assert (b1.windows.reply_max_chars, b1.contact_limit.max_attempts_per_case) == (500, 3)
    assert b1.classification.issue_type_code == "other"


def test_the_more_specific_template_and_calendar_are_preferred(policy_pack, brands, shops):
    a = brands[0]
    base = {"channel": "public_reply", "stage": "first_contact", "platform": "taobao", "body": "亲，抱歉。"}
    ReplyTemplate.objects.create(client=a, name="品牌A公开回复", **base)
    ReplyTemplate.objects.create(shop=shops["a1"], name="A1公开回复", **base)
    calendar = BusinessCalendar.objects.create(client=a, name="品牌A日历")
    for weekday in range(7):
        OpeningHours.objects.create(calendar=calendar, weekday=weekday, opens=dt.time(9), closes=dt.time(18))

    def public_replies(shop):
        decision = decide(facts(), load_policy(shop=shop, platform="taobao"))
        return {t.name for t in decision.templates if t.channel == "public_reply"}

    # One template per stage and channel: the shop's replaces its client's, the client's the global one.
    assert "A1公开回复" in public_replies(shops["a1"]) and "品牌A公开回复" not in public_replies(shops["a1"])
    assert "品牌A公开回复" in public_replies(shops["a2"])
    assert "品牌A公开回复" not in public_replies(shops["b1"])
    assert load_policy(shop=shops["a2"], platform="taobao").calendar.name == "品牌A日历"
    assert load_policy(shop=shops["b1"], platform="taobao").calendar.name != "品牌A日历"


def test_the_policy_records_which_layer_each_rule_came_from(policy_pack, brands, shops):
    client_tier = tier(client=brands[0], name="品牌A物流", first_response_minutes=90)
    policy = load_policy(shop=shops["a2"], platform="taobao")
    assert policy.rule_layers[("slatier", client_tier.pk)] == ("client", brands[0].pk)
    decision = decide(facts(), policy)
    assert policy.rule_layers[("platformrule", decision.windows.rule.id)] == ("global", None)


def test_a_rule_names_one_layer_only(policy_pack, brands, shops):
    row = SlaTier(
        issue_type=IssueType.objects.get(code="logistics"),
        shop=shops["a1"],
        client=brands[0],
        name="两层",
        first_response_minutes=60,
        handling_role="agent",
    )
    with pytest.raises(ValidationError, match="只能属于一个层级"):
        row.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()
    assert not SlaTier.objects.filter(name="两层").exists()


def test_a_client_layer_has_its_own_unique_keys(policy_pack, brands):
    tier(client=brands[0], name="品牌A物流", first_response_minutes=90)
    tier(client=brands[1], name="品牌B物流", first_response_minutes=45)  # another client: its own key
    with pytest.raises(ValidationError):
        tier(client=brands[0], name="品牌A物流(又一条)", first_response_minutes=30)
    assert SlaTier.objects.filter(client=brands[0]).count() == 1


def _load_queries(shop) -> int:
    clear_policy_cache()
    with CaptureQueriesContext(connection) as captured:
        load_policy(shop=shop, platform="taobao")
    return len(captured)


def test_the_client_layer_costs_no_query_per_rule_or_layer(policy_pack, brands, shops):
    own = _load_queries(shops["own"])
    assert _load_queries(shops["a1"]) == own  # a shop with a client: the same queries
    service = IssueType.objects.get(code="service")
    for n in range(10):
        ClassificationRule.objects.create(
            client=brands[0], name=f"品牌A规则{n}", issue_type=service, patterns=f"词{n}"
        )
        ClassificationRule.objects.create(
            shop=shops["a1"], name=f"A1规则{n}", issue_type=service, patterns=f"字{n}"
        )
    assert _load_queries(shops["a1"]) == own


def test_the_cache_key_follows_a_shop_moving_to_another_client(policy_pack, brands, shops):
    tier(client=brands[1], name="品牌B物流", first_response_minutes=45)
    shop = shops["a2"]
    assert first_response(shop) == 120
    shop.client = brands[1]
    shop.save()
    assert first_response(shop) == 45


def test_a_client_template_is_checked_against_its_clients_compliance_rules(policy_pack, brands):
    from policies.models import ComplianceRule
    from policies.validation import check_engine_rules

    a, b = brands
    ComplianceRule.objects.create(
        client=a, name="品牌A禁用词", patterns="亲爱滴", action="block", reason="品牌口吻"
    )
    base = {
        "channel": "public_reply",
        "stage": "first_contact",
        "platform": "taobao",
        "body": "亲爱滴，抱歉。",
    }
    with pytest.raises(ValidationError, match="品牌口吻"):
        check_engine_rules(ReplyTemplate(client=a, name="A的模板", **base))
    check_engine_rules(ReplyTemplate(client=b, name="B的模板", **base))  # another client's rule: passes
