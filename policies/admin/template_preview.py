"""The reply-template admin's preview: the template rendered for a few real cases of the manager's shops
(``policies.hooks.template_samples``, scoped by ``reviewdesk.access``), with whether the engine would
offer it for each case (audience, conditions) and the compliance check on the case's platform."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from policies.choices import TemplateCondition

SAMPLE_LIMIT = 3


def preview_rows(user, template, limit: int = SAMPLE_LIMIT) -> list[dict]:
    """One row per sample case: the rendered text, whether it would be offered and why not, the findings."""
    from policies.engine import check_compliance, render_template
    from policies.engine.messaging import has_missing
    from policies.hooks import samples_for
    from policies.loader import load_policy
    from reviewdesk.models import Shop

    rows = []
    shops = {}
    for sample in samples_for(user, template, limit):
        shop = shops.get(sample.shop_id) or shops.setdefault(
            sample.shop_id, Shop.objects.get(pk=sample.shop_id)
        )
        policy = load_policy(shop=shop, platform=sample.platform)
        text = render_template(template.body, sample.context, policy)
        report = check_compliance(text, platform=sample.platform, channel=template.channel, policy=policy)
        missing = [c for c in template.condition_list if c not in sample.facts]
        not_offered = []
        if not template.active:
            not_offered.append(_("模板未启用"))
        if missing:
            not_offered.append(
                _("条件未满足：%(conditions)s")
                % {
                    "conditions": "、".join(
                        str(TemplateCondition(c).label) if c in TemplateCondition.values else c
                        for c in missing
                    )
                }
            )
        rows.append(
            {
                "sample": sample,
                "text": text,
                "has_missing": has_missing(text),
                "offered": not not_offered,
                "not_offered": not_offered,
                "blocking": [f.describe() for f in report.blocking],
                "warnings": [f.describe() for f in report.warnings],
                "too_long": report.too_long,
                "length": report.length,
                "max_length": report.max_length,
            }
        )
    return rows


class TemplatePreviewMixin:
    """Adds ``<id>/preview/`` to the reply-template admin and a link to it on the change page."""

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="%s_%s_preview" % info,
            ),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and "preview_link" not in fields:
            fields.append("preview_link")
        return fields

    def preview_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:policies_replytemplate_preview", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("用真实案件预览"))

    preview_link.short_description = _l("预览")

    def preview_view(self, request, object_id):
        template = self.get_object(request, object_id)  # scoped: another shop's template is not found
        if template is None or not self.has_view_permission(request, template):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("预览模板“%(name)s”") % {"name": template.name},
            "opts": self.model._meta,
            "original": template,
            "rows": preview_rows(request.user, template),
            "change_url": reverse("admin:policies_replytemplate_change", args=[template.pk]),
        }
        return TemplateResponse(request, "admin/policies/replytemplate_preview.html", context)
