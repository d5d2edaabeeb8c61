"""Admin: managers edit rules and the reward catalogue (with history); the ledger, snapshots and
withheld awards are read-only lists; periods carry the lock and payout-export actions. Every write
goes through the services (the ledger cannot be edited here, and the database refuses it anyway)."""

import io
import zipfile

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from incentives.choices import AwardEvent
from incentives.models import (
    AdjustmentLimit,
    AwardRule,
    Dispute,
    LedgerEntry,
    PayoutLine,
    Period,
    PeriodShopLock,
    Redemption,
    RewardItem,
    WithheldAward,
)
from incentives.selectors import payout_scope
from incentives.services.payouts import export_csv, export_filename, export_xlsx
from incentives.services.periods import lock_message, period_lock
from incentives.services.scope import entries_in_shops_q, users_homed_in, withheld_in_shops_q
from jobs.admin_export import export_in_background
from policies.admin.base import PolicyScopedAdmin
from reviewdesk.access import ALL_SHOPS, GLOBAL, Scope, register_scope
from reviewdesk.admin_scope import ShopScopedAdminMixin
from reviewdesk.history_admin import HistoryAdmin
from reviewdesk.i18n_text import render_text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Whose rows a user may see (reviewdesk.access): the agent a row is about must be a member of one of the
# user's shops, like on the web pages; another shop's row is "not found". A withheld award naming no
# agent (nobody could get it) is seen by all; an award rule without a shop applies to every shop, so
# changing it takes the global-rule permission.
# An entry, a withheld award and a dispute belong to one shop (their case's, else the agent's home shop:
# services.scope), not to every shop of the agent: a shared agent's shop-B entries stay shop B's.
register_scope(LedgerEntry, Scope(rows=entries_in_shops_q))
register_scope(PayoutLine, Scope(shop="shop", null=ALL_SHOPS))  # a whole-period line spans every shop
register_scope(WithheldAward, Scope(rows=withheld_in_shops_q))
register_scope(
    Dispute,
    Scope(rows=lambda ids: Q(entry__in=LedgerEntry.objects.filter(entries_in_shops_q(ids)).values("pk"))),
)
# A redemption debits points in the agent's home shop (services.scope): it is that shop's (and client's)
# to see and decide, not every shop's the agent serves.
register_scope(Redemption, Scope(rows=lambda ids: Q(agent_id__in=users_homed_in(ids))))
# A rule is global, a client's layer or a shop's, as every policy rule (policies.scope).
register_scope(
    AwardRule, Scope(shop="shop", client="client", null=GLOBAL, global_perm="policies.change_global_policy")
)


class ScopedHistoryAdmin(ShopScopedAdminMixin, HistoryAdmin):
    """A history admin scoped by the one access path."""


class ReadOnlyAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    """Rows written by services only, shown within the user's shops."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AwardRule)
class AwardRuleAdmin(PolicyScopedAdmin, HistoryAdmin):
    """A rule of the manager's shops or of his client's layer, checked as every policy rule is
    (``policies.admin.base.PolicyScopedAdmin``: the client offered only to its members, every save
    checked by ``policies.scope.write_refusal``)."""

    list_display = [
        "code",
        "name",
        "event",
        "amount",
        "points",
        "leave_days",
        "platforms",
        "shop",
        "client",
        "tiers",
        "cap_per_period",
        "effective_from",
        "effective_until",
        "active",
        "version",
    ]
    list_filter = ["event", "active"]
    search_fields = ["code", "name"]
    readonly_fields = ["version"]


@admin.register(RewardItem)
class RewardItemAdmin(ScopedHistoryAdmin):
    list_display = ["name", "category", "point_price", "active"]
    list_filter = ["category", "active"]


def _download(files: list[tuple[str, bytes]], content_type: str) -> HttpResponse:
    if len(files) == 1:
        name, data = files[0]
        response = HttpResponse(data, content_type=content_type)
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files:
                archive.writestr(name, data)
        name, response = "payouts.zip", HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.register(Period)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ["code", "status", "locked_at", "locked_by", "starts_on", "ends_on"]
    list_filter = ["status", "year"]
    actions = ["export_xlsx", "export_csv", "export_xlsx_job", "lock_periods"]

    def has_export_permission(self, request):
        return request.user.has_perm("incentives.export_payouts")

    def has_lock_permission(self, request):
        return request.user.has_perm("incentives.lock_period")

    @admin.action(description=_("导出薪酬(XLSX)"), permissions=["export"])
    def export_xlsx(self, request, queryset):
        files = []
        for period in queryset.order_by("year", "month"):
            buffer = io.BytesIO()
            export_xlsx(period.code, buffer, shop_ids=payout_scope(request.user))
            files.append((export_filename(period.code, "xlsx"), buffer.getvalue()))
        return _download(files, XLSX_TYPE)

    @admin.action(description=_("导出薪酬明细(CSV，带BOM)"), permissions=["export"])
    def export_csv(self, request, queryset):
        files = []
        for period in queryset.order_by("year", "month"):
            buffer = io.BytesIO()
            export_csv(period.code, buffer, shop_ids=payout_scope(request.user))
            files.append((export_filename(period.code, "csv"), buffer.getvalue()))
        return _download(files, "text/csv; charset=utf-8")

    @admin.action(description=_("后台导出薪酬(XLSX，大团队)"), permissions=["export"])
    def export_xlsx_job(self, request, queryset):
        """One payout-export job per chosen period (``incentives.jobs``: the shops are read as the owner's
        when it runs); the answer is "my jobs", where each file is offered when written."""
        from django.shortcuts import redirect

        from jobs.choices import JobKind
        from jobs.services import job_start

        periods = list(queryset.order_by("year", "month"))
        for period in periods:
            job_start(
                kind=JobKind.PAYOUT_EXPORT,
                owner=request.user,
                params={"span": period.code, "fmt": "xlsx", "sheet": "detail"},
            )
        self.message_user(
            request,
            _("已开始 %(n)d 个后台导出，完成后铃铛会提醒你。") % {"n": len(periods)},
            messages.SUCCESS,
        )
        return redirect("jobs:list")

    @admin.action(description=_("锁定所选期间(生成结算快照)"), permissions=["lock"])
    def lock_periods(self, request, queryset):
        for period in queryset.order_by("year", "month"):
            try:
                result = period_lock(period=period, by=request.user)  # an HR of some shops locks only theirs
            except ValidationError as exc:
                self.message_user(request, exc.messages[0], messages.ERROR)
            else:
                self.message_user(request, lock_message(period, result), messages.SUCCESS)


def event_label(event: str) -> str:
    """An award's event by its label; an event no rule names any more keeps its stored text."""
    return str(dict(AwardEvent.choices).get(event, event)) if event else ""


class EventFilter(admin.SimpleListFilter):
    title = _("事件")
    parameter_name = "event"

    def lookups(self, request, model_admin):
        return AwardEvent.choices

    def queryset(self, request, queryset):
        return queryset.filter(event=self.value()) if self.value() else queryset


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "period",
        "account",
        "kind",
        "amount",
        "rule",
        "rule_version",
        "case_ref",
        "event_label",
        "created_at",
    ]
    list_filter = ["kind", "account__unit", "period", EventFilter]

    @admin.display(description=_("事件"), ordering="event")
    def event_label(self, obj):
        return event_label(obj.event)

    search_fields = ["idempotency_key", "account__user__username", "account__user__employee_code", "note"]
    list_select_related = ["period", "account__user", "rule"]
    actions = [export_in_background]  # a large table: exported by a job (jobs.admin_export)


@admin.register(PayoutLine)
class PayoutLineAdmin(ReadOnlyAdmin):
    list_display = [
        "period",
        "employee_code",
        "name",
        "conversions",
        "bonus_cny",
        "points_balance",
        "leave_days",
        "total_payable",
    ]
    list_filter = ["period"]


@admin.register(WithheldAward)
class WithheldAwardAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "agent", "event_label", "rule", "case_ref", "reason_code", "reason_text"]

    @admin.display(description=_("事件"), ordering="event")
    def event_label(self, obj):
        return event_label(obj.event)

    @admin.display(description=_("原因"))
    def reason_text(self, obj):
        # Stored language-neutral (reviewdesk.i18n_text): shown in the reader's language, never as JSON.
        return render_text(obj.reason)

    list_filter = ["reason_code", EventFilter]
    exclude = ["event", "reason"]
    readonly_fields = ["event_label", "reason_text"]
    search_fields = ["reason", "agent__username", "agent__employee_code"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["pk", "entry", "raised_by", "status", "created_at", "resolved_by", "adjustment"]
    list_filter = ["status"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "agent", "item", "points", "status", "requested_at", "decided_by"]
    list_filter = ["status"]


# Dispute adjustment caps apply in every shop: changing them takes the global-rule permission.
register_scope(AdjustmentLimit, Scope(null=GLOBAL, global_perm="policies.change_global_policy"))


@admin.register(AdjustmentLimit)
class AdjustmentLimitAdmin(ScopedHistoryAdmin):
    list_display = ["unit", "cap", "second_approval_above", "updated_at"]


register_scope(PeriodShopLock, Scope(shop="shop"))
