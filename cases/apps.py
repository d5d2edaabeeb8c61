from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("评价与案件")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.demo import build_cases_demo
        from cases.permissions import ROLE_PERMISSIONS
        from policies.hooks import rule_case_links
        from reviewdesk.hooks import demo_builders
        from reviewdesk.roles import register_role_permissions

        demo_builders.register(build_cases_demo)
        from cases.web.workspace import nav_links_for
        from reviewdesk.hooks import nav_links

        nav_links.register(nav_links_for)
        from cases.web.home import agent_panel, team_panel
        from reviewdesk.hooks import home_panels

        home_panels.register(agent_panel)
        home_panels.register(team_panel)
        rule_case_links.register(_rule_case_link)
        from cases.queries.template_samples import template_samples
        from policies.hooks import template_samples as template_sample_providers

        template_sample_providers.register(template_samples)
        register_role_permissions("cases", ROLE_PERMISSIONS)
        from cases.imports.submit import may_import_reviews
        from cases.jobs import tell_owner
        from jobs import registry as job_kinds
        from jobs.choices import JobKind
        from jobs.signals import job_finished

        job_kinds.register(JobKind.IMPORT_PREVIEW, "cases.jobs", may_start=may_import_reviews)
        job_kinds.register(JobKind.IMPORT, "cases.jobs", may_start=may_import_reviews)
        from cases.offboarding.access import may_offboard

        job_kinds.register(JobKind.CLIENT_EXPORT, "cases.offboarding.job", may_start=may_offboard)
        job_finished.connect(tell_owner, dispatch_uid="cases.jobs.tell_owner")


def _rule_case_link(model_name: str, rule_id: int):
    """Cases decided by an SLA tier or an issue type, for the policies admin's 'cases' link."""
    from django.urls import reverse

    from cases.models import Case

    if model_name == "slatier":
        query, params = Case.objects.filter(sla_tier_id_ref=rule_id), f"sla_tier_id_ref={rule_id}"
    elif model_name == "issuetype":
        query, params = Case.objects.filter(issue_type_id=rule_id), f"issue_type__id__exact={rule_id}"
    else:
        return None
    return f"{reverse('admin:cases_case_changelist')}?{params}", query.count()
