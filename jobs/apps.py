from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("后台任务")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from jobs.bell import tell_owner
        from jobs.signals import job_finished
        from jobs.views import nav_links_for
        from reviewdesk.hooks import nav_links

        nav_links.register(nav_links_for)
        job_finished.connect(tell_owner, dispatch_uid="jobs.bell.tell_owner")
