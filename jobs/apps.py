from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("后台任务")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from jobs.views import nav_links_for
        from reviewdesk.hooks import nav_links

        # The kinds' handlers and the bell are the apps' own: they register from their ready()
        # (jobs.registry, jobs.signals.job_finished).
        nav_links.register(nav_links_for)
        from jobs import registry
        from jobs.admin_export import may_start as may_export_in_admin
        from jobs.choices import JobKind

        # The one kind of jobs' own: any admin's table, exported as its changelist shows it.
        registry.register(JobKind.ADMIN_EXPORT, "jobs.admin_export", may_start=may_export_in_admin)
