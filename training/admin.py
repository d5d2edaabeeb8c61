from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin
from simple_history.admin import SimpleHistoryAdmin

from reviewdesk.access import visible_shop_ids
from training.models import (
    CertificationLapse,
    ModuleRequirement,
    QaItem,
    QaItemResult,
    QaReview,
    QaRubric,
    Score,
    TrainingModule,
)  # fmt: skip
from training.resources import ScoreImportResource


@admin.register(TrainingModule)
class TrainingModuleAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "format",
        "kpi",
        "threshold_label",
        "period_kind",
        "validity_days",
        "computed_metric",
        "active",
    ]
    list_filter = ["format", "period_kind", "active"]
    search_fields = ["code", "name", "kpi"]

    @admin.display(description=_("达标线"))
    def threshold_label(self, obj):
        return obj.threshold_label


@admin.register(ModuleRequirement)
class ModuleRequirementAdmin(SimpleHistoryAdmin):
    list_display = ["module", "handling_role", "issue_type", "shop", "active", "note"]
    list_filter = ["module", "handling_role", "active"]


class QaItemInline(admin.TabularInline):
    model = QaItem
    extra = 0


@admin.register(QaRubric)
class QaRubricAdmin(SimpleHistoryAdmin):
    list_display = ["name", "module", "pass_mark", "active"]
    inlines = [QaItemInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Scores, reviews and lapses are written by services only; the admin shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _agents_of_visible_shops(request, queryset, field: str):
    if request.user.is_superuser:
        return queryset
    return queryset.filter(
        **{f"{field}__memberships__shop_id__in": visible_shop_ids(request.user)}
    ).distinct()


@admin.register(Score)
class ScoreAdmin(ImportMixin, ReadOnlyAdmin):
    resource_classes = [ScoreImportResource]
    list_display = [
        "agent",
        "module",
        "period",
        "value",
        "source",
        "sample_size",
        "recorded_by",
        "recorded_at",
    ]
    list_filter = ["module", "source", "period"]
    search_fields = ["agent__employee_code", "agent__display_name", "agent__username"]
    list_select_related = ["agent", "module", "recorded_by"]

    def get_queryset(self, request):
        return _agents_of_visible_shops(request, super().get_queryset(request), "agent")

    def has_import_permission(self, request):
        return request.user.has_perm("training.enter_scores")


class QaItemResultInline(admin.TabularInline):
    model = QaItemResult
    extra = 0
    can_delete = False
    readonly_fields = ["item", "passed", "settled_passed", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QaReview)
class QaReviewAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "case",
        "agent",
        "reviewer",
        "total",
        "critical_failed",
        "status",
        "final_total",
        "scored_at",
    ]
    list_filter = ["status", "rubric", "critical_failed"]
    inlines = [QaItemResultInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return (
            qs if request.user.is_superuser else qs.filter(case__shop_id__in=visible_shop_ids(request.user))
        )


@admin.register(CertificationLapse)
class CertificationLapseAdmin(ReadOnlyAdmin):
    list_display = ["agent", "module", "state", "reason", "detected_at", "notified"]
    list_filter = ["module", "state", "notified"]

    def get_queryset(self, request):
        return _agents_of_visible_shops(request, super().get_queryset(request), "agent")
