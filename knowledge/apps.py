from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """The knowledge base: product articles at hand on the case page, quick replies and the product exam."""

    name = "knowledge"
    verbose_name = _("知识库")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from insights.hooks import weekly_sections
        from knowledge.demo import build_knowledge_demo
        from knowledge.models import Article, ArticleUse, ExamAttempt
        from knowledge.panels import case_panel
        from knowledge.permissions import ROLE_PERMISSIONS
        from knowledge.views import nav_links_for
        from knowledge.weekly import weekly_tables
        from policies.scope import GLOBAL_POLICY_PERM
        from reviewdesk.access import GLOBAL, Scope, register_scope
        from reviewdesk.hooks import case_panels, demo_builders, nav_links
        from reviewdesk.roles import register_role_permissions

        register_role_permissions("knowledge", ROLE_PERMISSIONS)
        # Layered like the policy pack: a shop's, a client's or a global article (the policy owner's).
        register_scope(
            Article, Scope(shop="shop", client="client", null=GLOBAL, global_perm=GLOBAL_POLICY_PERM)
        )
        register_scope(ArticleUse, Scope(shop="case__shop"))
        register_scope(ExamAttempt, Scope(user="agent", include_self=True))
        case_panels.register(case_panel)
        nav_links.register(nav_links_for)
        weekly_sections.register(weekly_tables)
        demo_builders.register(build_knowledge_demo)
