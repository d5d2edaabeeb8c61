"""The alerts of a big intake cost what the alerts say: a shop past the digest threshold gets one
digest, and none of its cases' message contexts is built (a 100,000-row import's 40,000 cases took
11 CPU-s and 1.3 GB before); a context's reader-language name and case link are made without a
class or a URL resolution per case."""

import pytest
from django.urls import reverse
from django.utils import translation

from cases import alerts
from cases.alerts import case_contexts, in_reader_language, new_case_alerts
from cases.notifications.choices import NotificationKind
from tests.cases.routing_support import make_case


@pytest.fixture
def contexts_built(monkeypatch):
    built: list[int] = []
    original = alerts.case_contexts

    def recording(case_ids):
        case_ids = list(case_ids)
        built.extend(case_ids)
        return original(case_ids)

    monkeypatch.setattr(alerts, "case_contexts", recording)
    return built


def test_a_digest_shop_builds_no_case_context(shop, other_shop, make_user, settings, contexts_built):
    settings.ALERT_DIGEST_THRESHOLD = 3
    boss = make_user("supervisor", shops=[shop])
    many = [make_case(shop).pk for n in range(4)]
    few = [make_case(other_shop).pk for n in range(2)]

    made = new_case_alerts(many + few)

    digest = [a for a in made if a.kind == NotificationKind.NEW_CASES_DIGEST]
    single = [a for a in made if a.kind == NotificationKind.NEW_CASE]
    assert [(a.shop_id, a.context["shop_name"], a.context["count"], a.user_ids) for a in digest] == [
        (shop.pk, shop.name, 4, {boss.pk})
    ]
    assert sorted(a.case_id for a in single) == sorted(few)
    assert sorted(contexts_built) == sorted(few)  # none of the digest shop's four


def test_the_reader_language_name_is_one_proxy_class_for_all():
    first, second = in_reader_language("物流问题", "Logistics"), in_reader_language("质量问题", "Quality")
    assert type(first) is type(second)  # lazy() at each call built a class per case
    with translation.override("en"):
        assert (str(first), str(second)) == ("Logistics", "Quality")
    with translation.override("zh-hans"):
        assert (str(first), str(second)) == ("物流问题", "质量问题")


def test_a_context_links_each_case_to_its_own_page(shop):
    cases = [make_case(shop) for n in range(3)]
    contexts = case_contexts([case.pk for case in cases])
    assert {pk: c["case_path"] for pk, c in contexts.items()} == {
        case.pk: reverse("cases:case_detail", kwargs={"pk": case.pk}) for case in cases
    }
