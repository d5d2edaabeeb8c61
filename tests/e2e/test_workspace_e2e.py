"""Browser journeys of the agent workspace (Chromium via Playwright, 1366×768):

* an agent logs in, opens the most urgent case from the queue, contacts the buyer with a rendered
  template (live compliance check, copy to clipboard), verifies, offers, records the buyer's yes
  and resolves;
* a supervisor approves an offer above the cap from the approvals page;
* legal uploads the platform's required evidence and files an appeal.

Screenshots of the queue and the case page are saved to test-artifacts/.
"""

import datetime as dt
import os

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from cases.choices import CaseStatus, OfferStatus
from cases.models import Case, CompensationOffer
from cases.workflow.compose import offer_options
from cases.workflow.services import case_act
from policies.loader import clear_policy_cache
from policies.models import ContactLimit
from tests.cases.routing_support import make_case, sla_fields
from tests.cases.workspace_support import triaged_case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    + b"\x00" * 32
)


@pytest.fixture
def seeded(db):
    call_command("seed_policies", verbosity=0)
    # The default pack forbids contacts 22:00–08:00; the journey must pass at any hour of the run.
    for limit in ContactLimit.objects.all():
        limit.quiet_start = limit.quiet_end = dt.time(0, 0)
        limit.save()
    clear_policy_cache()
    yield
    clear_policy_cache()


def test_agent_works_the_most_urgent_case_to_resolution(
    page, live_server, login, make_user, shop, seeded, screenshot
):
    agent = make_user("agent", shops=[shop], display_name="王小丽")
    now = timezone.now()
    urgent = triaged_case(
        shop,
        assignee=agent,
        status=CaseStatus.ASSIGNED,
        amount="59.00",
        content="快递太慢了，外包装也破了，客服也不理人",
    )
    Case.objects.filter(pk=urgent.pk).update(**sla_fields(start=now - dt.timedelta(hours=2), minutes=110))
    for n in range(3):
        make_case(shop, assignee=agent, status="assigned", **sla_fields(start=now, minutes=120 + 60 * n))

    login(page, agent)
    page.click("nav.mainnav >> text=我的队列")
    rows = page.locator("table.queue tbody tr")
    # count() does not wait: the login may land on the queue already, and the click then reloads it.
    expect(rows).to_have_count(4)
    first = rows.first
    assert f"#{urgent.pk}" in first.inner_text() and "已超时" in first.inner_text()
    countdown = first.locator("time.countdown")
    text_before = countdown.inner_text()
    # The countdown ticks in the browser (every second); a loaded machine may delay the deferred script,
    # so allow it a few seconds before calling it frozen.
    for _ in range(20):
        page.wait_for_timeout(500)
        if countdown.inner_text() != text_before:
            break
    assert countdown.inner_text() != text_before
    screenshot(page, "workspace-queue")

    page.fill("input[name=q]", urgent.review.order_no)  # search narrows the list in place (htmx)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('table.queue tbody tr').length === 1"
    )  # a function: a bare expression is eval'd, which the CSP refuses
    assert f"q={urgent.review.order_no}" in page.url
    first = page.locator("table.queue tbody tr").first
    first.locator("a.case-link").click()
    page.wait_for_url(f"{live_server.url}/cases/{urgent.pk}/")
    assert page.locator("h1").first.inner_text().startswith(f"案件 #{urgent.pk}")
    screenshot(page, "workspace-case")

    composer = page.locator("#composer-record_contact")
    composer.locator("select[name=channel]").select_option("private_message")
    composer.locator("input[name=reached][value='1']").check()
    text = composer.locator("textarea[name=text]")
    text.fill("亲，非常抱歉给您带来不好的体验，我们马上为您处理。")
    page.wait_for_selector("#check-record_contact .compliance .ok")
    assert "合规检查通过" in page.locator("#check-record_contact").inner_text()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    composer.locator("button[data-copy-target]").click()
    expect(composer.locator("button[data-copy-target]")).to_have_text("已复制")  # the copy is asynchronous
    composer.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已完成：记录联系" in page.locator(".messages").inner_text()

    verify = page.locator("#action-verify")
    verify.locator("select[name=responsibility]").select_option("courier")
    verify.locator("textarea[name=note]").fill("物流轨迹显示延误三天，外包装破损照片已核实")
    verify.locator("button[type=submit]").click()
    page.wait_for_load_state()

    urgent.refresh_from_db()
    option = next(o for o in offer_options(urgent) if not o.requires_approval)
    offer = page.locator("#action-offer")
    offer.locator(f"input[name=option_id][value='{option.option_id}']").check()
    offer.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("#offers button[data-action=buyer_accepts]").click()
    page.wait_for_load_state()
    page.locator("#action-resolve textarea[name=note]").fill("买家接受补偿，已处理完毕")
    page.locator("#action-resolve button[type=submit]").click()
    page.wait_for_load_state()

    assert "已解决" in page.locator(".case-head .badge").first.inner_text()
    urgent.refresh_from_db()
    assert urgent.status == CaseStatus.RESOLVED
    timeline = page.locator("#timeline").inner_text()
    for label in ("记录联系", "核实责任", "提出补偿方案", "买家接受", "解决"):
        assert label in timeline
    screenshot(page, "workspace-case-resolved")


def test_supervisor_approves_an_offer_above_the_cap(
    page, live_server, login, make_user, shop, seeded, screenshot
):
    agent = make_user("agent", shops=[shop])
    supervisor = make_user("supervisor", shops=[shop], display_name="陈静")
    case = triaged_case(
        shop,
        assignee=agent,
        status=CaseStatus.VERIFIED,
        amount="599.00",
        contact_attempts=1,
        verified_at=timezone.now(),
        responsibility="merchant",
    )
    option = next(o for o in offer_options(case) if o.requires_approval)
    case_act(
        case_id=case.pk, action="offer", by=agent, version=case.version, data={"option_id": option.option_id}
    )
    offer = CompensationOffer.objects.get(case=case)
    assert offer.status == OfferStatus.PENDING_APPROVAL

    login(page, supervisor)
    page.click("nav.mainnav >> text=待审批")
    row = page.locator(f"#approval-{offer.pk}")
    assert option.name in row.inner_text()
    screenshot(page, "workspace-approvals")
    row.locator("form:has(button[data-action=approve]) input[name=note]").fill("金额合理，同意")
    row.locator("button[data-action=approve]").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")

    assert "已完成：批准" in page.locator(".messages").inner_text()
    offer.refresh_from_db()
    assert (offer.status, offer.approved_by_id) == (OfferStatus.OFFERED, supervisor.pk)
    assert "已提出方案" in page.locator(".case-head .badge").first.inner_text()


def test_legal_files_an_appeal_with_evidence(
    page, live_server, login, make_user, shop, seeded, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    agent = make_user("agent", shops=[shop])
    legal = make_user("legal", shops=[shop], display_name="法务刘")
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED, content="不给我返现50元就一直差评")
    case_act(
        case_id=case.pk,
        action="mark_malicious",
        by=agent,
        version=case.version,
        data={"note": "以差评要挟返现"},
    )

    login(page, legal)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    panel = page.locator("#action-file_appeal")
    assert "✗ 完整旺旺聊天截图" in panel.inner_text()
    for n, item in enumerate(("完整旺旺聊天截图", "同一IP批量差评的后台数据")):
        upload = page.locator("#evidence-upload")
        upload.locator("input[type=file]").set_input_files(
            {"name": f"证据{n}.png", "mimeType": "image/png", "buffer": PNG}
        )
        upload.locator("select[name=kind]").select_option("image")
        upload.locator("select[name=checklist_item]").select_option(item)
        upload.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert f"证据已上传：证据{n}.png" in page.locator(".messages").inner_text()
    panel = page.locator("#action-file_appeal")
    assert "✓ 完整旺旺聊天截图" in panel.inner_text() and "✓ 同一IP批量差评的后台数据" in panel.inner_text()
    panel.locator("select[name=reason_type]").select_option("买家利用评价要挟/敲诈")
    panel.locator("textarea[name=description]").fill("买家以差评要挟返现，聊天记录为证")
    for box in panel.locator("input[name=evidence_ids]").all():
        box.check()
    screenshot(page, "workspace-appeal")
    panel.locator("button[type=submit]").click()
    page.wait_for_load_state()

    assert "已完成：提交申诉" in page.locator(".messages").inner_text()
    case.refresh_from_db()
    assert case.status == CaseStatus.APPEALING
    assert case.appeals.get().evidence.count() == 2
    with page.expect_download() as download:
        page.locator("#evidence a", has_text="证据0.png").click()
    assert download.value.suggested_filename == "证据0.png"
