"""F3 — fake "platform data" is paid. Reviews, ratings and appended reviews are written only by platform
sources (a file import of a role allowed to upload, an API token with the intake scope of such a role or
of an integration account); every conversion event carries its source and incentives pay only platform
data. No role earns a conversion by any other route: a session on the reviews API, the review admin (add
or edit of the rating), the workflow, demo/shell writes or the missed-conversion sweep. A real import and
an intake token still pay exactly once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from cases.hooks import PLATFORM_DATA_SOURCES, certification_checks
from cases.imports.submit import reviews_submit
from cases.imports.uploads import reviews_import_file
from cases.models import ApiToken, Case, Review
from cases.models.intake import hash_token_key
from incentives.choices import AwardEvent
from incentives.models import LedgerEntry, WithheldAward
from incentives.receivers import on_case_event
from incentives.services.awards import AwardCause, award_apply
from incentives.services.sweeps import conversion_awards_sweep
from tests.cases.exports import csv_bytes
from tests.cases.intake_support import snapshot

pytestmark = pytest.mark.usefixtures("policy_pack")
URL = "/api/v1/reviews/"
EXTERNAL_ID = "PV-0001"
FILE_HEADERS = [
    "external_id",
    "order_no",
    "item_id",
    "item_title",
    "rating",
    "content",
    "reviewed_at",
    "buyer_nick",
    "order_amount",
]
ROLES = ("agent", "supervisor", "legal", "manager", "hr", "superuser")
SESSION_REFUSAL = "登录会话不能写入评价"
ROLE_REFUSAL = "令牌所属账号的角色不能导入评价"


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


@pytest.fixture
def people(shop, make_user):
    users = {role: make_user(role, shops=[shop], is_staff=role in ("manager", "hr")) for role in ROLES[:-1]}
    users["superuser"] = make_user(None, shops=[shop], is_staff=True, is_superuser=True)
    users["integration"] = make_user(None, shops=[shop], is_integration=True)
    return users


def token_client(user, shops, *, scopes=None) -> APIClient:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        name="同步任务",
        user=user,
        prefix=key[:8],
        key_hash=hash_token_key(key),
        **({"scopes": scopes} if scopes is not None else {}),
    )
    token.shops.set(shops)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


REVIEWED_AT = timezone.localtime(timezone.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")


def review(shop, rating: str, *, external_id=EXTERNAL_ID, content="杯子收到就裂了，质量太差") -> dict:
    return {
        "shop": shop.code,
        "external_id": external_id,
        "order_no": f"ORD{external_id}",
        "item_id": "640012345678",
        "item_title": "玻璃杯",
        "rating": rating,
        "content": content,
        "reviewed_at": REVIEWED_AT,
        "buyer_nick": f"t**{external_id}",
        "order_amount": "59.00",
    }


GOOD = {"rating": "好评", "content": "客服联系后补发了，改成好评"}


@pytest.fixture
def opened(shop, people, django_capture_on_commit_callbacks):
    """A bad review brought in by the supervisor's intake token; its case is the agent's."""
    with django_capture_on_commit_callbacks(execute=True):
        answer = token_client(people["supervisor"], [shop]).post(URL, review(shop, "差评"), format="json")
    assert answer.status_code == 200, answer.json()
    case = Case.objects.get(pk=answer.json()["results"][0]["case_id"])
    Case.objects.filter(pk=case.pk).update(
        assignee=people["agent"], status="assigned", assigned_at=timezone.now()
    )
    case.refresh_from_db()
    assert case.revision_allowed and case.revision_until > timezone.now()
    return case


def money() -> dict:
    return {
        "entries": LedgerEntry.objects.count(),
        "sum": LedgerEntry.objects.aggregate(total=Sum("amount"))["total"] or Decimal("0"),
        "conversions": LedgerEntry.objects.filter(event=AwardEvent.VERIFIED_CONVERSION).count(),
        "withheld": WithheldAward.objects.count(),
    }


def everything(case) -> tuple:
    case.refresh_from_db()
    return snapshot(), money(), (case.conversion_candidate_at, case.converted_to_rating, case.version)


def paid_conversions(agent) -> list[tuple]:
    return list(
        LedgerEntry.objects.filter(event=AwardEvent.VERIFIED_CONVERSION, account__user=agent).values_list(
            "case_ref", "amount", "account__unit"
        )
    )


# --- a person's session writes no review -------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_no_session_writes_a_review_or_earns_a_conversion(
    role, shop, people, opened, django_capture_on_commit_callbacks
):
    """The agent who posted a good review for his own case and was paid 50 CNY, the agent who invented a
    review to work, HR creating cases: every role's session is refused, the superuser's too."""
    client = APIClient()
    client.force_login(people[role])
    before = everything(opened)

    with django_capture_on_commit_callbacks(execute=True):
        improved = client.post(URL, review(shop, **GOOD), format="json")
        invented = client.post(URL, [review(shop, "差评", external_id="PV-FAKE")], format="json")

    assert (improved.status_code, invented.status_code) == (403, 403)
    assert SESSION_REFUSAL in improved.json()["detail"]
    assert everything(opened) == before
    assert not Review.objects.filter(external_id="PV-FAKE").exists()


@pytest.mark.parametrize("role", ["agent", "legal", "hr"])
def test_tokens_of_roles_that_may_not_import_write_nothing(
    role, shop, people, opened, django_capture_on_commit_callbacks
):
    """Only roles that may upload export files (supervisor, manager, superuser) or integration accounts
    bring reviews in: an agent's, legal's or HR's token is refused, whatever its scopes."""
    client = token_client(people[role], [shop], scopes=["intake", "cases:read", "cases:act"])
    before = everything(opened)

    with django_capture_on_commit_callbacks(execute=True):
        improved = client.post(URL, review(shop, **GOOD), format="json")
        invented = client.post(URL, review(shop, "差评", external_id="PV-FAKE"), format="json")

    assert (improved.status_code, invented.status_code) == (403, 403)
    assert ROLE_REFUSAL in improved.json()["detail"]
    assert everything(opened) == before


def test_a_token_without_the_intake_scope_writes_nothing(shop, people, opened):
    client = token_client(people["supervisor"], [shop], scopes=["cases:read", "cases:act"])
    before = everything(opened)

    refused = client.post(URL, review(shop, **GOOD), format="json")

    assert refused.status_code == 403 and "intake" in refused.json()["detail"]
    assert everything(opened) == before


# --- the admin shows platform data, never writes it ----------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "superuser"])
def test_the_review_admin_is_read_only_for_every_role(
    role, shop, people, opened, django_capture_on_commit_callbacks
):
    """The manager's admin edit of a rating (1 → 5) paid a conversion: now the review admin adds and
    changes nothing, for the superuser too; it shows the fields and says corrections go through an import."""
    client = Client()
    client.force_login(people[role])
    stored = Review.objects.get(pk=opened.review_id)
    url = f"/admin/cases/review/{stored.pk}/change/"
    before = everything(opened)

    page = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        edited = client.post(
            url, {"rating": "5", "content": "改成好评", "item_title": "改过的", "shop": shop.pk}
        )
        added = client.post(
            "/admin/cases/review/add/",
            {
                "shop": shop.pk,
                "external_id": "PV-ADMIN",
                "order_no": "X1",
                "rating": "1",
                "reviewed_at_0": "2026-11-20",
                "reviewed_at_1": "10:00:00",
                "buyer_nick": "x",
            },
        )

    assert page.status_code == 200
    body = page.content.decode()
    assert "这里只读" in body and "重新导入平台导出文件" in body
    assert 'name="rating"' not in body and 'name="content"' not in body and 'name="_save"' not in body
    assert client.get("/admin/cases/review/add/").status_code == 403
    assert (edited.status_code, added.status_code) == (403, 403)
    assert everything(opened) == before
    assert (
        Review.objects.get(pk=stored.pk).rating == 1
        and not Review.objects.filter(external_id="PV-ADMIN").exists()
    )


# --- the workflow never makes a conversion --------------------------------------------------------------


def test_working_the_case_through_the_workflow_pays_no_conversion(
    shop, people, opened, django_capture_on_commit_callbacks
):
    from cases.choices import ContactChannel, Responsibility
    from cases.workflow import offer_options
    from cases.workflow import services as workflow
    from policies.models import ContactLimit

    ContactLimit.objects.update(quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0), min_minutes_between=0)
    agent = people["agent"]
    with django_capture_on_commit_callbacks(execute=True):
        case = workflow.case_record_contact(
            case_id=opened.pk,
            by=agent,
            version=opened.version,
            channel=ContactChannel.PRIVATE_MESSAGE,
            reached=True,
        )
        case = workflow.case_verify(
            case_id=case.pk,
            by=agent,
            version=case.version,
            responsibility=Responsibility.COURIER,
            note="物流原因",
        )
        option = next(o for o in offer_options(case) if not o.requires_approval)
        case = workflow.case_offer(
            case_id=case.pk, by=agent, version=case.version, option_id=option.option_id
        )
        case = workflow.case_buyer_accepts(case_id=case.pk, by=agent, version=case.version)
        case = workflow.case_resolve(case_id=case.pk, by=agent, version=case.version)

    assert case.status == "resolved"
    case.refresh_from_db()
    assert case.conversion_candidate_at is None
    assert paid_conversions(agent) == []
    assert not WithheldAward.objects.filter(event=AwardEvent.VERIFIED_CONVERSION).exists()
    assert Review.objects.get(pk=case.review_id).rating == 1


# --- platform data still pays, exactly once --------------------------------------------------------------


def test_a_file_import_by_a_supervisor_pays_the_conversion_once(
    shop, people, opened, django_capture_on_commit_callbacks
):
    data = csv_bytes(FILE_HEADERS, [review(shop, **GOOD)])

    for _ in range(2):  # the same export imported twice: the second is unchanged
        with django_capture_on_commit_callbacks(execute=True):
            result = reviews_import_file(
                shop=shop, data=data, file_name="export.csv", by=people["supervisor"]
            )
        assert result.ok, result.errors

    opened.refresh_from_db()
    assert (opened.converted_from_rating, opened.converted_to_rating) == (1, 5)
    assert paid_conversions(people["agent"]) == [(opened.pk, Decimal("50.00"), "cny")]
    assert not WithheldAward.objects.exists()
    revision = Review.objects.get(pk=opened.review_id).revisions.get()
    assert (revision.source, revision.by) == ("file", people["supervisor"])


@pytest.mark.parametrize("owner", ["supervisor", "manager", "superuser", "integration"])
def test_an_intake_token_pays_the_conversion_once(
    owner, shop, people, opened, django_capture_on_commit_callbacks
):
    client = token_client(people[owner], [shop], scopes=["intake"])

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, review(shop, **GOOD), format="json")
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(URL, review(shop, **GOOD), format="json")

    assert first.json()["updated"] == 1 and again.json()["unchanged"] == 1
    assert paid_conversions(people["agent"]) == [(opened.pk, Decimal("50.00"), "cny")]
    assert not WithheldAward.objects.exists()


# --- anything else is not platform data ------------------------------------------------------------------


@pytest.mark.parametrize(("source", "label"), [("demo", "演示数据"), ("admin", "手工录入")])
def test_a_rating_written_by_another_source_marks_the_case_but_pays_nothing(
    source, label, shop, people, opened, django_capture_on_commit_callbacks
):
    """Demo data or a shell calling the intake service: the review changed, so the case is marked, but
    the conversion is withheld with a readable reason, never paid."""
    before = money()

    with django_capture_on_commit_callbacks(execute=True):
        reviews_submit(
            items=[review(shop, **GOOD)], allowed_shop_ids={shop.pk}, source=source, by=people["manager"]
        )

    opened.refresh_from_db()
    assert opened.conversion_candidate_at is not None
    assert paid_conversions(people["agent"]) == []
    assert money()["sum"] == before["sum"] and money()["entries"] == before["entries"]
    withheld = WithheldAward.objects.get()
    assert (withheld.reason_code, withheld.case_ref, withheld.agent) == (
        "not_platform_data",
        opened.pk,
        people["agent"],
    )
    assert withheld.reason == f"未确认的转化：评分变化不是来自平台数据(导入文件或接入令牌)，来源：{label}"


def test_the_missed_conversion_sweep_pays_only_platform_data(shop, people, opened):
    """The sweep re-sends a conversion whose event was lost, without a source: the receiver reads it
    from the review's revision, so a conversion another source wrote is withheld there too."""
    reviews_submit(
        items=[review(shop, **GOOD)], allowed_shop_ids={shop.pk}, source="admin"
    )  # its event is lost

    assert conversion_awards_sweep() == {"conversions": 1, "reversals": 0}
    assert conversion_awards_sweep() == {"conversions": 0, "reversals": 0}

    assert paid_conversions(people["agent"]) == []
    assert WithheldAward.objects.get().reason_code == "not_platform_data"


def test_a_conversion_event_without_a_source_is_not_paid(shop, people, opened):
    """No default source: an event naming none, for a review no platform source changed, pays nothing."""
    payload = {"from_rating": 1, "to_rating": 5, "observed_at": timezone.now().isoformat()}

    on_case_event(event="conversion_candidate", case_id=opened.pk, payload=payload)

    assert paid_conversions(people["agent"]) == []
    assert (
        WithheldAward.objects.get().reason
        == "未确认的转化：评分变化不是来自平台数据(导入文件或接入令牌)，来源：未记录来源"
    )


def test_award_apply_never_pays_a_conversion_without_a_platform_source(shop, people):
    """The award service itself refuses a conversion cause that names no platform-data source (a caller
    that bypasses the receiver, e.g. a shell)."""
    for source in (None, "admin", "session"):
        cause = AwardCause(
            event=AwardEvent.VERIFIED_CONVERSION,
            agent_id=people["agent"].pk,
            case_ref=77,
            shop_id=shop.pk,
            platform="taobao",
            source=source,
        )
        [outcome] = award_apply(cause=cause)
        assert outcome.entries == [] and outcome.withheld.reason_code == "not_platform_data"
    assert LedgerEntry.objects.count() == 0
    paid = award_apply(
        cause=AwardCause(
            event=AwardEvent.VERIFIED_CONVERSION,
            agent_id=people["agent"].pk,
            case_ref=78,
            shop_id=shop.pk,
            platform="taobao",
            source="file",
        )
    )
    assert [e.amount for e in paid[0].entries] == [Decimal("50.00")]
    assert PLATFORM_DATA_SOURCES == {"file", "api", "connector"}
