"""Browser journey of a manager's first week (issue #15, "Done means"): a manager edits a rule in the
Django admin and sees it take effect in the app.

The shop's manager checks a sentence in the policy sandbox's "check wording" box: it passes. They add a
compliance rule for their shop in the admin (the words their shop never promises a buyer), check the
same sentence again and see it blocked, the words marked, with their rule's name and reason; the global
default (no shop) still lets it pass, since the rule is their shop's only.

A screenshot of the sandbox's verdict is saved to test-artifacts/.
"""

import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from policies.loader import clear_policy_cache
from policies.models import ComplianceRule

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SENTENCE = "亲，这款是清仓价，今天下单明天就发货。"
RULE_NAME = "本店不承诺清仓价"
REASON = "本店不对买家承诺清仓价，以免被认定为虚假宣传。"


@pytest.fixture
def seeded(db):
    call_command("seed_policies", verbosity=0)
    clear_policy_cache()
    yield
    clear_policy_cache()


def check_wording(page, live_server, *, shop_label: str | None):
    """The sandbox's "check wording" box, filled in as a manager would, submitted; returns the verdict."""
    page.goto(f"{live_server.url}/admin/policies/")
    page.click("text=规则沙盒")
    form = page.locator("form#check-wording")
    form.locator("select[name=wording-platform]").select_option(label="淘宝")
    form.locator("select[name=wording-channel]").select_option(label="私信")
    if shop_label is None:
        form.locator("select[name=wording-shop]").select_option(index=0)
    else:
        form.locator("select[name=wording-shop]").select_option(label=shop_label)
    form.locator("textarea[name=wording-text]").fill(SENTENCE)
    form.locator("button[type=submit], input[type=submit]").first.click()
    verdict = page.locator("#wording-verdict")
    expect(verdict).to_be_visible()
    return verdict


def test_a_manager_adds_a_compliance_rule_for_their_shop_and_the_sandbox_applies_it(
    page, live_server, login, make_user, shop, other_shop, seeded, screenshot
):
    manager = make_user("manager", shops=[shop], is_staff=True, display_name="钱经理")
    login(page, manager)

    # Before: the sentence is an ordinary reply.
    expect(check_wording(page, live_server, shop_label=str(shop))).to_have_text("结论：通过")

    # The manager opens the admin from the top bar and adds their shop's rule.
    page.goto(f"{live_server.url}/")
    page.click("nav.mainnav >> text=管理后台")
    page.locator("#content-main a[href$='/admin/policies/compliancerule/']").first.click()
    page.click(".object-tools a.addlink")
    page.fill("#id_name", RULE_NAME)
    page.select_option("#id_category", value="other")
    page.select_option("#id_match_mode", value="keywords")
    page.fill("#id_patterns", "清仓价")
    page.select_option("#id_action", value="block")
    page.fill("#id_reason", REASON)
    page.select_option("#id_shop", label=str(shop))
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist")).to_contain_text(RULE_NAME)
    rule = ComplianceRule.objects.get(name=RULE_NAME)
    assert (rule.shop_id, rule.patterns, rule.action) == (shop.pk, "清仓价", "block")

    # After: the same sentence, for the manager's shop, is blocked by their rule, the words marked.
    verdict = check_wording(page, live_server, shop_label=str(shop))
    expect(verdict).to_have_text("结论：拦截")
    expect(page.locator("#wording-text mark")).to_have_text("清仓价")
    findings = page.locator("#wording-findings tbody tr", has_text=RULE_NAME)
    expect(findings).to_have_count(1)
    expect(findings).to_contain_text(REASON)
    expect(findings).to_contain_text("拦截")
    screenshot(page, "first-week-manager-rule-in-sandbox")

    # The global default is untouched: the rule is the shop's only.
    expect(check_wording(page, live_server, shop_label=None)).to_have_text("结论：通过")
    assert ComplianceRule.objects.filter(name=RULE_NAME).count() == 1
