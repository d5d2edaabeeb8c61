from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin

from policies.admin.base import CheckedXLSX, ChineseCSV, read_failure_message
from reviewdesk.access import GLOBAL, Scope, register_scope
from reviewdesk.admin_scope import ShopScopedAdminMixin
from reviewdesk.history_admin import HistoryAdmin
from training.choices import CertificationState
from training.models import (
    CertificationLapse,
    ModuleRequirement,
    QaItem,
    QaItemResult,
    QaReview,
    QaRubric,
    SatisfactionSurvey,
    Score,
    TrainingModule,
)
from training.resources import ScoreImportResource
from training.services import survey_record, survey_validate

# How training rows reach a shop (reviewdesk.access): scores and lapses through their agent's shops; a
# requirement without a shop applies to every shop, so changing it takes the global-rule permission.
# QA reviews and surveys follow their case without saying so.
register_scope(Score, Scope(user="agent"))
register_scope(CertificationLapse, Scope(user="agent"))
register_scope(
    ModuleRequirement, Scope(shop="shop", null=GLOBAL, global_perm="policies.change_global_policy")
)


class ScopedHistoryAdmin(ShopScopedAdminMixin, HistoryAdmin):
    """A history admin scoped by the one access path."""


@admin.register(TrainingModule)
class TrainingModuleAdmin(ScopedHistoryAdmin):
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
class ModuleRequirementAdmin(ScopedHistoryAdmin):
    list_display = ["module", "handling_role", "issue_type", "shop", "active", "note"]
    list_filter = ["module", "handling_role", "active"]


class QaItemInline(ShopScopedAdminMixin, admin.TabularInline):
    model = QaItem
    extra = 0


@admin.register(QaRubric)
class QaRubricAdmin(ScopedHistoryAdmin):
    list_display = ["name", "module", "pass_mark", "active"]
    inlines = [QaItemInline]


class ReadOnlyAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    """Scores, reviews and lapses are written by services only; the admin shows them (those of the
    user's shops: reviewdesk.access)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Score)
class ScoreAdmin(ImportMixin, ReadOnlyAdmin):
    resource_classes = [ScoreImportResource]
    formats = [CheckedXLSX, ChineseCSV]  # a decompression bomb is refused before openpyxl inflates it
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

    def has_import_permission(self, request):
        return request.user.has_perm("training.enter_scores")

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error("import_file", read_failure_message(e))


class QaItemResultInline(ShopScopedAdminMixin, admin.TabularInline):
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


class StateFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return CertificationState.choices

    def queryset(self, request, queryset):
        return queryset.filter(state=self.value()) if self.value() else queryset


@admin.register(CertificationLapse)
class CertificationLapseAdmin(ReadOnlyAdmin):
    list_display = ["agent", "module", "state_label", "reason", "detected_at", "notified"]
    list_filter = ["module", StateFilter, "notified"]
    fields = ["agent", "module", "basis", "state_label", "reason", "detected_at", "notified"]
    readonly_fields = ["state_label"]

    @admin.display(description=_("状态"), ordering="state")
    def state_label(self, obj):
        return str(dict(CertificationState.choices).get(obj.state, obj.state))


class SatisfactionSurveyForm(forms.ModelForm):
    class Meta:
        model = SatisfactionSurvey
        fields = ["case", "score", "answered_at", "comment"]

    def clean(self):
        data = super().clean()
        case, score, answered_at = data.get("case"), data.get("score"), data.get("answered_at")
        if case is not None and score is not None and answered_at is not None:
            try:
                survey_validate(case=case, score=score, answered_at=answered_at, by=self.request_user)
            except ValidationError as error:
                raise ValidationError(error.messages)
        return data


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    """Supervisors record the buyer's answer here; changes and deletions are not allowed (a survey is
    what the buyer said), so a wrong entry is corrected by its history, not overwritten."""

    form = SatisfactionSurveyForm
    list_display = ["case", "agent", "score", "source", "answered_at", "recorded_by", "recorded_at"]
    list_filter = ["score", "source"]
    search_fields = [
        "case__review__order_no",
        "case__assignee__employee_code",
        "case__assignee__display_name",
    ]
    list_select_related = ["case__assignee", "recorded_by"]
    raw_id_fields = ["case"]

    @admin.display(description=_("处理人"))
    def agent(self, obj):
        return obj.case.assignee

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = survey_record(
            case=data["case"],
            score=data["score"],
            answered_at=data["answered_at"],
            by=request.user,
            comment=data.get("comment", ""),
        )
        obj.pk = saved.pk
