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

from incentives.models import (
    AwardRule,
    Dispute,
    LedgerEntry,
    PayoutLine,
    Period,
    Redemption,
    RewardItem,
    WithheldAward,
)
from incentives.selectors import payout_user_ids
from incentives.services.payouts import export_csv, export_filename, export_xlsx
from incentives.services.periods import period_lock
from reviewdesk.history_admin import HistoryAdmin

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReadOnlyAdmin(admin.ModelAdmin):
    # Whose rows a user may see: the field naming the agent (None: not about one agent). Like the web
    # pages (selectors.payout_user_ids), only members of the user's shops; another shop's row is "not found".
    agent_field: str | None = None
    without_agent_shown = False  # rows naming no agent at all (a withheld award nobody could get)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        user_ids = payout_user_ids(request.user)
        if self.agent_field is None or user_ids is None:
            return queryset
        scope = Q(**{f"{self.agent_field}__in": user_ids})
        if self.without_agent_shown:
            scope |= Q(**{f"{self.agent_field}__isnull": True})
        return queryset.filter(scope)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AwardRule)
class AwardRuleAdmin(HistoryAdmin):
    list_display = ["code", "name", "event", "amount", "points", "leave_days", "platforms", "shop", "tiers",
                    "cap_per_period", "effective_from", "effective_until", "active", "version"]  # fmt: skip
    list_filter = ["event", "active"]
    search_fields = ["code", "name"]
    readonly_fields = ["version"]


@admin.register(RewardItem)
class RewardItemAdmin(HistoryAdmin):
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
    actions = ["export_xlsx", "export_csv", "lock_periods"]

    def has_export_permission(self, request):
        return request.user.has_perm("incentives.export_payouts")

    def has_lock_permission(self, request):
        return request.user.has_perm("incentives.lock_period")

    @admin.action(description=_("导出薪酬(XLSX)"), permissions=["export"])
    def export_xlsx(self, request, queryset):
        files = []
        for period in queryset.order_by("year", "month"):
            buffer = io.BytesIO()
            export_xlsx(period.code, buffer, user_ids=payout_user_ids(request.user))
            files.append((export_filename(period.code, "xlsx"), buffer.getvalue()))
        return _download(files, XLSX_TYPE)

    @admin.action(description=_("导出薪酬明细(CSV，带BOM)"), permissions=["export"])
    def export_csv(self, request, queryset):
        files = []
        for period in queryset.order_by("year", "month"):
            buffer = io.BytesIO()
            export_csv(period.code, buffer, user_ids=payout_user_ids(request.user))
            files.append((export_filename(period.code, "csv"), buffer.getvalue()))
        return _download(files, "text/csv; charset=utf-8")

    @admin.action(description=_("锁定所选期间(生成结算快照)"), permissions=["lock"])
    def lock_periods(self, request, queryset):
        for period in queryset.order_by("year", "month"):
            try:
                period_lock(period=period, by=request.user)
            except ValidationError as exc:
                self.message_user(request, exc.messages[0], messages.ERROR)
            else:
                self.message_user(request, _("期间 %(code)s 已锁定。") % {"code": period.code}, messages.SUCCESS)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    agent_field = "account__user"
    list_display = ["pk", "period", "account", "kind", "amount", "rule", "rule_version", "case_ref", "event", "created_at"]
    list_filter = ["kind", "account__unit", "period", "event"]
    search_fields = ["idempotency_key", "account__user__username", "account__user__employee_code", "note"]
    list_select_related = ["period", "account__user", "rule"]


@admin.register(PayoutLine)
class PayoutLineAdmin(ReadOnlyAdmin):
    agent_field = "user"
    list_display = ["period", "employee_code", "name", "conversions", "bonus_cny", "points_balance", "leave_days", "total_payable"]
    list_filter = ["period"]


@admin.register(WithheldAward)
class WithheldAwardAdmin(ReadOnlyAdmin):
    agent_field = "agent"
    without_agent_shown = True
    list_display = ["created_at", "agent", "event", "rule", "case_ref", "reason_code", "reason"]
    list_filter = ["reason_code", "event"]
    search_fields = ["reason", "agent__username", "agent__employee_code"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    agent_field = "raised_by"
    list_display = ["pk", "entry", "raised_by", "status", "created_at", "resolved_by", "adjustment"]
    list_filter = ["status"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    agent_field = "agent"
    list_display = ["pk", "agent", "item", "points", "status", "requested_at", "decided_by"]
    list_filter = ["status"]
