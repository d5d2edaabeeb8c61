"""Each app states what every role may do in it in its own ``permissions.py``; ``reviewdesk.roles`` merges
them. The merged table is the one the code had before the tables moved out of ``reviewdesk/roles.py`` and
four ``apps.py`` (written down below from that code): moving them changed no role's permissions. Rows of
later apps are added here as each app states them, so a role that gains a permission shows in a diff."""

import importlib

import pytest

from reviewdesk.roles import register_role_permissions, role_permission_table


@pytest.fixture(scope="module", autouse=True)
def migration_rows_for_the_module():
    """No database here (the conftest's replay of the data migrations needs one)."""


# role -> app label -> codenames, as the table was before it was split into permissions.py files.
EXPECTED = {
    "agent": {
        "cases": "view_case view_review",
        "policies": (
            "view_appealchecklist view_businesscalendar view_calendarexception view_classificationrule "
            "view_compensationoption view_compensationrule view_compliancerule view_contactlimit "
            "view_customertier view_followupplan view_followupstep view_issuetype view_malicioussignal "
            "view_openinghours view_platformrule view_replytemplate view_slatier"
        ),
        "training": "view_trainingmodule",
    },
    "supervisor": {
        "cases": (
            "add_review change_review reveal_buyer_contact view_buyer view_case view_importbatch "
            "view_review view_reviewrevision"
        ),
        "insights": "view_insights view_weeklyreport",
        "policies": (
            "view_appealchecklist view_businesscalendar view_calendarexception view_classificationrule "
            "view_compensationoption view_compensationrule view_compliancerule view_contactlimit "
            "view_customertier view_followupplan view_followupstep view_issuetype view_malicioussignal "
            "view_openinghours view_platformrule view_replytemplate view_slatier"
        ),
        "reviewdesk": "view_shop view_user",
        "training": (
            "add_qareview add_satisfactionsurvey enter_scores settle_qareview view_certificationlapse "
            "view_modulerequirement view_qaitem view_qareview view_qarubric view_satisfactionsurvey "
            "view_score view_trainingmodule"
        ),
        # Work orders (issue #20): who works cases reads the departments and the orders of their shops.
        "workorders": "view_department view_departmentmember view_externalcontact view_requesttype view_automationrule view_workorder",
    },
    "legal": {
        "cases": "reveal_buyer_contact view_buyer view_case view_review",
        "policies": (
            "view_appealchecklist view_businesscalendar view_calendarexception view_classificationrule "
            "view_compensationoption view_compensationrule view_compliancerule view_contactlimit "
            "view_customertier view_followupplan view_followupstep view_issuetype view_malicioussignal "
            "view_openinghours view_platformrule view_replytemplate view_slatier"
        ),
        "training": "view_trainingmodule",
    },
    "manager": {
        "axes": "delete_accessattempt view_accessattempt view_accessfailurelog view_accesslog",
        # Platform connectors (issue #19): his shops' connectors (credentials write-only) and their outbox.
        "connectors": "add_connector change_connector view_connector view_outboxreply",
        # SMS (issue #21): his shops' accounts, template overrides, alert numbers, opt-outs; what was sent.
        "outreach": "add_smsaccount change_smsaccount delete_smsaccount view_smsaccount add_supervisorphone change_supervisorphone delete_supervisorphone view_supervisorphone add_smstemplate change_smstemplate view_smstemplate view_smsmessage add_optout view_optout",
        # Work orders (issue #20): his shops' departments (overrides of the global ones) and orders.
        "workorders": "add_department change_department delete_department view_department add_departmentmember change_departmentmember delete_departmentmember view_departmentmember add_externalcontact change_externalcontact delete_externalcontact view_externalcontact add_requesttype change_requesttype delete_requesttype view_requesttype add_automationrule change_automationrule delete_automationrule view_automationrule view_workorder",
        "cases": (
            "add_apitoken add_importmapping add_notificationchannel add_review change_apitoken "
            "change_importmapping change_notificationchannel change_review delete_notificationchannel "
            "reveal_buyer_contact view_apitoken view_buyer view_case view_delivery view_importbatch "
            "view_importmapping view_notificationchannel view_review view_reviewrevision"
        ),
        "incentives": (
            "add_awardrule add_rewarditem change_awardrule change_dispute change_redemption "
            "change_rewarditem decide_redemption export_payouts resolve_dispute view_account "
            "view_adjustmentlimit view_awardrule view_dispute view_ledgerentry view_payoutline "
            "view_period view_redemption view_rewarditem view_withheldaward"
        ),
        "insights": (
            "add_insightsettings add_reportrecipient change_insightsettings change_reportrecipient "
            "delete_insightsettings delete_reportrecipient view_insights view_insightsettings "
            "view_reportrecipient view_weeklyreport"
        ),
        "policies": (
            "add_appealchecklist add_businesscalendar add_calendarexception add_classificationrule "
            "add_compensationoption add_compensationrule add_compliancerule add_contactlimit "
            "add_customertier add_followupplan add_followupstep add_issuetype add_malicioussignal "
            "add_openinghours add_platformrule add_replytemplate add_slatier change_appealchecklist "
            "change_businesscalendar change_calendarexception change_classificationrule "
            "change_compensationoption change_compensationrule change_compliancerule "
            "change_contactlimit change_customertier change_followupplan change_followupstep "
            "change_issuetype change_malicioussignal change_openinghours change_platformrule "
            "change_replytemplate change_slatier delete_appealchecklist delete_businesscalendar "
            "delete_calendarexception delete_classificationrule delete_compensationoption "
            "delete_compensationrule delete_compliancerule delete_contactlimit delete_customertier "
            "delete_followupplan delete_followupstep delete_issuetype delete_malicioussignal "
            "delete_openinghours delete_platformrule delete_replytemplate delete_slatier "
            "view_appealchecklist view_businesscalendar view_calendarexception view_classificationrule "
            "view_compensationoption view_compensationrule view_compliancerule view_contactlimit "
            "view_customertier view_followupplan view_followupstep view_issuetype view_malicioussignal "
            "view_openinghours view_platformrule view_replytemplate view_slatier"
        ),
        "reviewdesk": "change_shop view_client view_clientmembership view_shop view_shopmembership view_user",
        "training": (
            "add_modulerequirement add_qaitem add_qarubric add_satisfactionsurvey add_trainingmodule "
            "change_modulerequirement change_qaitem change_qarubric change_trainingmodule "
            "delete_modulerequirement delete_qaitem delete_qarubric delete_trainingmodule enter_scores "
            "export_scores settle_qareview view_certificationlapse view_modulerequirement view_qaitem "
            "view_qareview view_qarubric view_satisfactionsurvey view_score view_trainingmodule"
        ),
    },
    "hr": {
        "incentives": (
            "export_payouts lock_period view_account view_awardrule view_dispute view_ledgerentry "
            "view_payoutline view_period view_redemption view_rewarditem view_withheldaward"
        ),
        "reviewdesk": "view_shop view_user",
        "training": (
            "export_scores view_certificationlapse view_modulerequirement view_qaitem view_qarubric "
            "view_score view_trainingmodule"
        ),
    },
    "policy_owner": {
        "cases": "add_importmapping change_importmapping delete_importmapping view_importmapping",
        "outreach": "add_smstemplate change_smstemplate delete_smstemplate view_smstemplate",
        "workorders": "add_department change_department delete_department view_department add_departmentmember change_departmentmember delete_departmentmember view_departmentmember add_externalcontact change_externalcontact delete_externalcontact view_externalcontact add_requesttype change_requesttype delete_requesttype view_requesttype add_automationrule change_automationrule delete_automationrule view_automationrule",
        "incentives": "change_adjustmentlimit view_adjustmentlimit",
        "insights": "add_insightsettings change_insightsettings delete_insightsettings view_insightsettings",
        "policies": (
            "add_appealchecklist add_businesscalendar add_calendarexception add_classificationrule "
            "add_compensationoption add_compensationrule add_compliancerule add_contactlimit "
            "add_customertier add_followupplan add_followupstep add_issuetype add_malicioussignal "
            "add_openinghours add_platformrule add_replytemplate add_slatier change_appealchecklist "
            "change_businesscalendar change_calendarexception change_classificationrule "
            "change_compensationoption change_compensationrule change_compliancerule "
            "change_contactlimit change_customertier change_followupplan change_followupstep "
            "change_global_policy change_issuetype change_malicioussignal change_openinghours "
            "change_platformrule change_replytemplate change_slatier delete_appealchecklist "
            "delete_businesscalendar delete_calendarexception delete_classificationrule "
            "delete_compensationoption delete_compensationrule delete_compliancerule "
            "delete_contactlimit delete_customertier delete_followupplan delete_followupstep "
            "delete_issuetype delete_malicioussignal delete_openinghours delete_platformrule "
            "delete_replytemplate delete_slatier view_appealchecklist view_businesscalendar "
            "view_calendarexception view_classificationrule view_compensationoption "
            "view_compensationrule view_compliancerule view_contactlimit view_customertier "
            "view_followupplan view_followupstep view_issuetype view_malicioussignal view_openinghours "
            "view_platformrule view_replytemplate view_slatier"
        ),
        "reviewdesk": "view_shop",
    },
    # A client's own staff (issue #18): read-only, their shops' dashboard and weekly report and the
    # policies in force; no case model permission (they read the case pages, masked), no money.
    "client_viewer": {
        "insights": "view_insights view_weeklyreport",
        "policies": (
            "view_appealchecklist view_businesscalendar view_calendarexception view_classificationrule "
            "view_compensationoption view_compensationrule view_compliancerule view_contactlimit "
            "view_customertier view_followupplan view_followupstep view_issuetype view_malicioussignal "
            "view_openinghours view_platformrule view_replytemplate view_slatier"
        ),
        "reviewdesk": "view_shop",
    },
}

# Macros (issue #22): a policy rule like the others, read by who reads rules, edited by who edits them.
for _role in ("agent", "supervisor", "legal", "client_viewer"):
    EXPECTED[_role]["policies"] += " view_macro"
for _role in ("manager", "policy_owner"):
    EXPECTED[_role]["policies"] += " add_macro change_macro delete_macro view_macro"


# The knowledge base (issue #23): who works cases reads the articles and sits the product exam; a manager
# writes his shops' articles and questions and approves drafts; the product lines are the policy owner's.
for _role in ("agent", "supervisor", "legal", "manager"):
    EXPECTED[_role]["knowledge"] = "view_article take_exam"
EXPECTED["supervisor"]["knowledge"] += " view_question view_examattempt"
EXPECTED["manager"]["knowledge"] += (
    " add_article change_article publish_article view_question add_question view_examattempt view_productline"
)
EXPECTED["policy_owner"]["knowledge"] = (
    "add_productline change_productline delete_productline view_productline "
    "view_article add_article change_article publish_article"
)


# Peak seasons (issue #24): policy rules like the others; shop health: a manager imports his shops' DSR
# scores and sets their alert steps.
_PEAK = "campaignperiod campaigncommitment"
for _role in ("agent", "supervisor", "legal", "client_viewer"):
    EXPECTED[_role]["policies"] += "".join(f" view_{m}" for m in _PEAK.split())
for _role in ("manager", "policy_owner"):
    EXPECTED[_role]["policies"] += "".join(
        f" {a}_{m}" for m in _PEAK.split() for a in ("add", "change", "delete", "view")
    )
EXPECTED["manager"]["insights"] += (
    " add_dsrscore add_healthwatch change_healthwatch delete_healthwatch view_healthwatch"
)

# The robots' posts (workorders): a manager reads his shops' in the admin.
EXPECTED["manager"]["workorders"] += " view_robotpost"

# Prevention's rules (issue #24): a manager edits his shops' late-parcel and risky-order rules and reads the
# order mappings; the policy owner changes the mappings too. The after-sale reason rules (#24) are edited
# like them.
_PREVENTION = " ".join(
    f"{a}_{m}"
    for m in ("laterule", "riskrule", "returnreasonrule")
    for a in ("add", "change", "delete", "view")
)
EXPECTED["manager"]["prevention"] = _PREVENTION + " view_ordermapping"
EXPECTED["policy_owner"]["prevention"] = (
    _PREVENTION + " add_ordermapping change_ordermapping delete_ordermapping view_ordermapping"
)


def as_sets(table: dict[str, list[str]]) -> dict[str, set[str]]:
    return {role: set(names) for role, names in table.items()}


def expected() -> dict[str, set[str]]:
    return {
        role: {f"{app}.{codename}" for app, codenames in apps.items() for codename in codenames.split()}
        for role, apps in EXPECTED.items()
    }


def test_the_merged_role_table_is_what_it_was():
    assert as_sets(role_permission_table()) == expected()


@pytest.mark.parametrize(
    "app",
    [
        "policies",
        "cases",
        "training",
        "incentives",
        "insights",
        "connectors",
        "workorders",
        "outreach",
        "knowledge",
        "prevention",
    ],
)
def test_each_app_names_only_its_own_permissions(app):
    table = importlib.import_module(f"{app}.permissions").ROLE_PERMISSIONS
    foreign = sorted({name for names in table.values() for name in names if not name.startswith(f"{app}.")})
    assert table and foreign == []


def test_registering_an_app_again_replaces_its_table():
    """ready() may run twice (a test's app registry reload): the table must not grow."""
    from cases.permissions import ROLE_PERMISSIONS

    before = role_permission_table()
    register_role_permissions("cases", ROLE_PERMISSIONS)
    assert role_permission_table() == before
