"""The back office of the knowledge base: the product lines (global: the exam's length, duration and
cooling-off time, the policy owner's). Articles and their questions are written on the knowledge pages,
where their layer, compliance and history are handled (``knowledge.views``)."""

from django.contrib import admin

from knowledge.models import ProductLine
from reviewdesk.admin_scope import ShopScopedAdminMixin


@admin.register(ProductLine)
class ProductLineAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "question_count", "duration_minutes", "cooldown_hours", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
