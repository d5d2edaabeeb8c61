"""A conversion seen by a pull is platform data and pays (source "connector", cases.hooks
PLATFORM_DATA_SOURCES); the same better rating written by a source that is not platform data pays
nothing, and incentives' rules are unchanged for it."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.hooks import certification_checks
from cases.imports.submit import reviews_submit
from cases.models import Case
from connectors.services.pull import connector_pull
from incentives.choices import AwardEvent
from incentives.models import LedgerEntry, WithheldAward
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("policy_pack")


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


@pytest.fixture
def worked_case(connector, gateway, tb_shop, django_capture_on_commit_callbacks):
    agent = UserFactory(role="agent", shops=[tb_shop])
    gateway.add_review(7001, created=timezone.now() - dt.timedelta(days=2), result="bad", content="漏水")
    with django_capture_on_commit_callbacks(execute=True):
        assert connector_pull(connector_id=connector.pk).created == 1
    case = Case.objects.get(review__sub_order_no="7001")
    Case.objects.filter(pk=case.pk).update(assignee=agent, status="assigned", assigned_at=timezone.now())
    case.refresh_from_db()
    assert case.revision_allowed and case.revision_until > timezone.now()
    return case, agent


def conversions(agent):
    return list(
        LedgerEntry.objects.filter(event=AwardEvent.VERIFIED_CONVERSION, account__user=agent).values_list(
            "case_ref", flat=True
        )
    )


def test_a_rating_changed_to_good_between_pulls_pays_the_agent_once(
    connector, gateway, worked_case, django_capture_on_commit_callbacks
):
    case, agent = worked_case
    gateway.reviews["7001"].update(result="good", content="客服处理很及时，改好评")

    with django_capture_on_commit_callbacks(execute=True):
        result = connector_pull(connector_id=connector.pk, now=timezone.now() + dt.timedelta(minutes=1))

    assert result.ok and result.updated == 1
    case.refresh_from_db()
    assert case.converted_to_rating == 5 and case.conversion_candidate_at is not None
    assert conversions(agent) == [case.pk]
    assert not WithheldAward.objects.exists()
    # the next pull sees the same rating: nothing more is paid
    with django_capture_on_commit_callbacks(execute=True):
        again = connector_pull(connector_id=connector.pk, now=timezone.now() + dt.timedelta(minutes=2))
    assert again.ok and again.updated == 0 and conversions(agent) == [case.pk]


def test_the_same_change_from_a_source_that_is_not_platform_data_pays_nothing(
    connector, gateway, worked_case, django_capture_on_commit_callbacks
):
    case, agent = worked_case
    review = case.review
    item = {
        "shop": connector.shop.code,
        "order_no": review.order_no,
        "sub_order_no": review.sub_order_no,
        "rating": "好评",
        "content": "改好评",
        "reviewed_at": timezone.localtime(review.reviewed_at).strftime("%Y-%m-%d %H:%M:%S"),
        "buyer_nick": review.buyer_nick,
    }

    with django_capture_on_commit_callbacks(execute=True):
        [result] = reviews_submit(items=[item], allowed_shop_ids={connector.shop_id}, source="demo")

    assert result.status == "updated"
    assert conversions(agent) == []
    withheld = WithheldAward.objects.get()
    assert withheld.reason_code == "not_platform_data"
