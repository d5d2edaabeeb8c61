"""Words that reach buyers: {issue} is the issue type's buyer-facing label (never "恶意差评"), malicious
cases get their own templates and normal ones never (and vice versa), a template's conditions ("we tried
to contact you" only after a recorded attempt) are evaluated by the engine, and a template the engine
does not offer for a case is refused when sent."""

import pytest
from django.core.exceptions import ValidationError

from cases.errors import WorkflowError as E
from cases.models import Case, Reply
from cases.workflow.compose import reply_drafts
from cases.workflow.services import case_act
from policies import default_pack
from policies.engine import check_compliance
from policies.engine.messaging import applicable_templates
from policies.loader import load_policy
from policies.models import IssueType, ReplyTemplate
from reviewdesk.choices import Platform
from tests.cases.workflow_factories import NOW, member, put_in_state, snapshot, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

EXTORTION = "不给我返现就一直差评"
MALICIOUS_NAMES = {t["name"] for t in default_pack.TEMPLATES if t.get("audience") == "malicious"}


def names(templates) -> set[str]:
    return {t.name for t in templates}


def test_an_extorting_buyer_never_reads_the_internal_issue_name(shop):
    agent = member("legal", shop)
    case = put_in_state(triaged_case(shop, content=EXTORTION), "malicious", agent=agent)
    assert case.issue_type.code == "malicious"
    drafts = reply_drafts(case, user=agent)
    assert drafts and all("恶意" not in d.text for d in drafts)
    assert {d.name for d in drafts} <= MALICIOUS_NAMES
    assert "首次私信" not in {d.name for d in drafts}
    # The intake decision's rendered drafts follow the same rule.
    assert all("恶意" not in t["name"] or t["name"] in MALICIOUS_NAMES for t in case.decision["templates"])


def test_normal_cases_get_the_buyer_label_and_never_the_malicious_set(shop):
    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop, content="快递太慢了，还没到"), "in_progress", agent=agent)
    drafts = {d.name: d for d in reply_drafts(case, user=agent)}
    assert not set(drafts) & MALICIOUS_NAMES
    assert "关于您提到的物流配送的问题" in drafts["首次私信"].text
    assert "物流延误/包裹破损" not in drafts["首次私信"].text


def test_an_issue_type_without_a_buyer_label_says_the_generic_words(shop):
    IssueType.objects.filter(code="logistics").update(buyer_label="")
    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop, content="快递太慢了，还没到"), "in_progress", agent=agent)
    first = next(d for d in reply_drafts(case, user=agent) if d.name == "首次私信")
    assert "关于您提到的您反馈的问题" in first.text


def test_a_case_marked_malicious_later_switches_to_the_malicious_set(shop):
    agent = member("agent", shop)
    case = put_in_state(triaged_case(shop, content="质量太差，开线了"), "in_progress", agent=agent)
    assert "3S致歉" not in {d.name for d in reply_drafts(case, user=agent)}  # no offer yet
    Case.objects.filter(pk=case.pk).update(is_malicious=True)
    case.refresh_from_db()
    assert {d.name for d in reply_drafts(case, user=agent)} <= MALICIOUS_NAMES


def test_we_tried_to_contact_you_only_after_a_recorded_attempt():
    policy = load_policy(platform="taobao")
    logistics = next(t.id for t in policy.issue_types.values() if t.code == "logistics")
    before = names(applicable_templates(policy, issue_type_id=logistics))
    after = names(
        applicable_templates(policy, issue_type_id=logistics, facts=frozenset({"contact_attempted"}))
    )
    assert "公开回复" not in before and "公开回复" in after
    malicious = next(t.id for t in policy.issue_types.values() if t.is_malicious)
    assert names(applicable_templates(policy, issue_type_id=malicious)) == {
        "恶意差评：首次私信",
        "恶意差评：索取凭证",
        "恶意差评：公开说明",
    }
    assert "恶意差评：公开说明(已尝试联系)" in names(
        applicable_templates(policy, issue_type_id=malicious, facts=frozenset({"contact_attempted"}))
    )


def test_the_compensation_apology_waits_for_an_offer(shop):
    agent = member("agent", shop)
    offered = put_in_state(triaged_case(shop, content="质量太差，开线了"), "offered", agent=agent)
    assert "3S致歉" in {d.name for d in reply_drafts(offered, user=agent)}


def test_a_template_not_offered_for_the_case_is_refused_and_nothing_changes(shop):
    agent = member("legal", shop)
    case = put_in_state(triaged_case(shop, content=EXTORTION), "malicious", agent=agent)
    normal = ReplyTemplate.objects.get(name="公开回复", shop__isnull=True)
    before = snapshot(case.pk)
    with pytest.raises(ValidationError) as caught:
        case_act(
            case_id=case.pk,
            action="public_reply",
            by=agent,
            version=3,
            now=NOW,
            data={"template_id": normal.pk},
        )
    assert caught.value.code == E.BAD_CHOICE
    assert snapshot(case.pk) == before and not Reply.objects.filter(case=case).exists()


def test_a_malicious_template_is_sent_for_a_malicious_case(shop):
    agent = member("legal", shop)
    case = put_in_state(triaged_case(shop, content=EXTORTION), "malicious", agent=agent)
    template = ReplyTemplate.objects.get(name="恶意差评：公开说明(已尝试联系)")
    case_act(
        case_id=case.pk,
        action="public_reply",
        by=agent,
        version=3,
        now=NOW,
        data={"template_id": template.pk},
    )
    reply = Reply.objects.get(case=case)
    assert reply.template_ref["id"] == template.pk and "已主动联系您" in reply.text


def test_template_audience_must_match_its_issue_type_and_conditions_must_be_known():
    malicious = IssueType.objects.get(code="malicious")
    template = ReplyTemplate(
        name="x", channel="private_message", stage="first_contact", issue_type=malicious, body="您好"
    )
    with pytest.raises(ValidationError) as caught:
        template.full_clean()
    assert caught.value.message_dict["audience"] == ["问题类型“恶意差评”的模板只能用于恶意差评案件。"]
    template.audience, template.conditions = "malicious", "contact_attempted,called_twice"
    with pytest.raises(ValidationError) as caught:
        template.full_clean()
    assert caught.value.message_dict["conditions"][0].startswith("未知条件代码：called_twice。")
    template.conditions = "contact_attempted"
    template.full_clean()
    assert ReplyTemplate.objects.filter(name="x").count() == 0


def test_every_default_template_passes_the_compliance_check_where_it_is_offered():
    for data in default_pack.TEMPLATES:
        if data.get("active") is False:
            continue
        for platform in [data["platform"]] if data.get("platform") else Platform.values:
            report = check_compliance(
                data["body"],
                platform=platform,
                channel=data["channel"],
                policy=load_policy(platform=platform),
            )
            assert not report.blocked, (data["name"], platform, [f.describe() for f in report.blocking])
