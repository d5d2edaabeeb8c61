"""Issue #15 §8: the engine's reasons follow the reader's language. The texts computed once (the policy
engine's reasons, routing's "nobody could take it", the SLA tier's name, a withheld award's reason) are
stored language-neutral (``reviewdesk.i18n_text``) and read in each reader's language from the same
rows; rows written before that still read as they were written."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from cases.hooks import certification_checks
from cases.imports.uploads import reviews_import_file
from cases.models import Assignment, Case, DecisionRecord
from cases.routing.assign import route_cases
from policies.loader import clear_policy_cache
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes
from tests.cases.routing_support import T0, make_case, sla_fields

pytestmark = pytest.mark.usefixtures("policy_pack")

# The logistics complaint the default pack opens a case for (rating 1, rule "物流" → 物流/破损).
COMPLAINT = {"评价内容": "快递太慢了，一个星期才到", "评价等级": "差评"}
ZH_OPENS = "评分1不高于开案上限3，开案"
EN_OPENS = "Rating 1 is not above the opening limit 3"
ZH_TIER_REASON = "问题类型“物流延误/包裹破损”的时效等级“物流延误(2小时)”"
EN_TIER_REASON = "SLA tier of issue type “Logistics delay / parcel damage”"


def import_under(language: str, shop, *ids: int) -> list[Case]:
    rows = [taobao_row(n, **COMPLAINT) for n in ids]
    before = set(Case.objects.values_list("pk", flat=True))
    with translation.override(language):
        result = reviews_import_file(shop=shop, data=xlsx_bytes(TAOBAO_HEADERS, rows), file_name="a.xlsx")
    assert result.ok and result.cases_opened == len(ids)
    return list(Case.objects.exclude(pk__in=before).order_by("pk"))


@pytest.fixture
def readers(make_user, shop):
    return {
        "en": make_user("supervisor", shops=[shop], language="en"),
        "zh": make_user("supervisor", shops=[shop], language="zh-hans"),
    }


def page_of(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("written_in", ["zh-hans", "en"])
def test_the_case_page_shows_the_engines_reasons_in_the_readers_language(client, shop, readers, written_in):
    (case,) = import_under(written_in, shop, 1)

    english = section(
        page_of(client, readers["en"], reverse("cases:case_detail", args=[case.pk])), "decision"
    )
    chinese = section(
        page_of(client, readers["zh"], reverse("cases:case_detail", args=[case.pk])), "decision"
    )

    assert EN_OPENS in english and "Logistics delay (2 hours)" in english and EN_TIER_REASON in english
    assert not re.search(r"开案|时效等级“|归入", english.split("</h2>", 1)[1].replace("时效等级</dt>", ""))
    assert ZH_OPENS in chinese and "物流延误(2小时)" in chinese and ZH_TIER_REASON in chinese
    assert "Rating" not in chinese and "SLA tier of" not in chinese


def test_the_api_answers_the_decision_in_the_requests_language(client, shop, readers):
    (case,) = import_under("zh-hans", shop, 1)
    url = f"/api/v1/cases/{case.pk}/"

    client.force_login(readers["en"])
    english = client.get(url).json()["decision"]
    client.force_login(readers["zh"])
    chinese = client.get(url).json()["decision"]

    assert english["classification"].startswith(EN_OPENS)
    assert english["sla"]["tier"] == "Logistics delay (2 hours)"
    assert english["reasons"][0] == english["classification"]
    assert chinese["classification"].startswith(ZH_OPENS) and chinese["sla"]["tier"] == "物流延误(2小时)"
    assert chinese["sla"]["reason"].startswith(ZH_TIER_REASON)


def test_the_queue_shows_the_sla_tier_in_the_readers_language(client, shop, readers):
    import_under("zh-hans", shop, 1)
    url = reverse("cases:queue_all")
    assert "Logistics delay (2 hours)" in page_of(client, readers["en"], url)
    chinese = page_of(client, readers["zh"], url)
    assert "物流延误(2小时)" in chinese and "Logistics delay (2 hours)" not in chinese


@pytest.mark.parametrize("languages", [("zh-hans", "en"), ("en", "zh-hans")])
def test_equal_decisions_made_under_different_languages_share_one_record(shop, languages):
    first = import_under(languages[0], shop, 1)
    clear_policy_cache()  # the second import loads the rules again, in its own language
    second = import_under(languages[1], shop, 2, 3)

    assert DecisionRecord.objects.count() == 1
    assert {c.decision_record_id for c in first + second} == {DecisionRecord.objects.get().pk}


def test_a_record_written_before_stays_readable_as_it_was_written(client, shop, readers):
    (case,) = import_under("zh-hans", shop, 1)
    old = "评分1不高于开案上限3，开案（旧记录）"
    record = DecisionRecord.objects.get()
    record.decision = {
        **record.decision,
        "classification": old,
        "reasons": [old, "旧的分层说明"],
        "signals": ["旧信号"],
        "sla": {**record.decision["sla"], "tier": "旧时效(2小时)", "reason": "旧的时效说明"},
    }
    record.save(update_fields=["decision"])
    Case.objects.filter(pk=case.pk).update(sla_tier_name="旧时效(2小时)", sla_tier_id_ref=None)

    html = page_of(client, readers["en"], reverse("cases:case_detail", args=[case.pk]))

    for text in (old, "旧的分层说明", "旧的时效说明", "旧时效(2小时)"):
        assert text in html


# --- Routing's "nobody could take it" ------------------------------------------------------------------


@pytest.fixture
def nobody_can_take_it(shop, make_user, monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])  # the desk is full, nothing else
    make_user("agent", shops=[shop], display_name="张三", max_open_cases=0)
    case = make_case(shop)
    with translation.override("zh-hans"):
        route_cases(case_ids=[case.pk])
    return case


ZH_NOBODY = "店铺有 1 名在职“客服”，均不可分配：张三（在办已达上限 0/0）。"
EN_NOBODY = (
    'The shop has 1 active "Agent", none of whom can take the case：张三（at their cap of open cases 0/0）。'
)


def test_routings_reason_on_the_team_page_follows_the_reader(client, readers, nobody_can_take_it):
    url = reverse("cases:team_load")
    assert EN_NOBODY in page_of(client, readers["en"], url)
    assert ZH_NOBODY in page_of(client, readers["zh"], url)
    assert Assignment.objects.get(case=nobody_can_take_it).to_user is None


def test_routings_reason_on_the_case_timeline_follows_the_reader(client, readers, nobody_can_take_it):
    url = reverse("cases:case_detail", args=[nobody_can_take_it.pk])
    english = page_of(client, readers["en"], url)
    assert EN_NOBODY in english and ZH_NOBODY not in english
    assert ZH_NOBODY in page_of(client, readers["zh"], url)


def test_an_old_plain_routing_reason_still_reads_as_written(client, readers, nobody_can_take_it):
    Assignment.objects.filter(case=nobody_can_take_it).update(reason="店铺没有在职的“客服”成员。")
    assert "店铺没有在职的“客服”成员。" in page_of(client, readers["en"], reverse("cases:team_load"))


# --- A withheld award's reason with values ----------------------------------------------------------------


def test_a_withheld_awards_reason_with_values_follows_the_reader(client, shop, make_user):
    from incentives.models import WithheldAward
    from incentives.receivers import on_case_event
    from tests.incentives.test_awards import conversion_payload

    agent = make_user("agent", shops=[shop], display_name="王小丽", employee_code="A001")
    english = make_user("manager", shops=[shop], employee_code="M002", language="en")
    chinese = make_user("manager", shops=[shop], employee_code="M001", language="zh-hans")
    payload = conversion_payload(agent, shop, compliance_violations=["私信中出现“好评返现”"])
    with translation.override("zh-hans"):
        on_case_event(event="conversion_candidate", case_id=42, payload=payload)
    assert WithheldAward.objects.count() == 1

    url = reverse("incentives:manage")
    assert "The case has recorded compliance violations: 私信中出现“好评返现”." in page_of(
        client, english, url
    )
    assert "案件记录了合规违规：私信中出现“好评返现”。该转化不予奖励。" in page_of(client, chinese, url)


# --- The SLA tier's name in the sweep's notices ------------------------------------------------------------


def test_the_sweeps_notice_names_the_tier_in_the_readers_language(readers, shop):
    from cases.models import Notification
    from cases.notifications.choices import NotificationKind
    from cases.sla.sweep import sla_sweep
    from policies.models import SlaTier

    tier = SlaTier.objects.get(shop__isnull=True, issue_type__code="logistics")
    make_case(
        shop,
        sla_tier_name=tier.name,
        sla_tier_id_ref=tier.pk,
        escalation_role="supervisor",
        **sla_fields(start=T0, minutes=60),
    )
    with translation.override("zh-hans"):
        sla_sweep(now=T0 + dt.timedelta(hours=5))

    def body(user):
        return Notification.objects.get(user=user, kind=NotificationKind.SLA_BREACH).body

    assert "SLA tier: Logistics delay (2 hours)" in body(readers["en"])
    assert "时效等级：物流延误(2小时)" in body(readers["zh"])
