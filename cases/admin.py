"""Admin for intake data: reviews and their revisions (read-only: platform data is written only by
imports and intake tokens), cases (read-only here; the workflow has its own services), mappings,
batches, tokens."""

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.models import ApiToken, Buyer, Case, ImportBatch, ImportMapping, Review, ReviewRevision
from cases.models.intake import MAPPING_HELP
from cases.workflow import mask_address, mask_contact_values, mask_phone
from jobs.admin_export import export_in_background
from policies.admin.base import GlobalPolicyAdminMixin
from policies.labels import customer_tier_names
from reviewdesk.access import Scope, register_scope
from reviewdesk.admin_scope import ScopedModelAdmin, ScopedTabularInline
from reviewdesk.i18n_text import render_values
from reviewdesk.roles import reads_cases

# Every field of a review comes from the platform (export file, intake token, later a connector): the
# admin shows them and never writes them (an edited rating would be a "conversion" nobody verified).
# The buyer's phone and address show masked (the unmasked values are read only through the case
# page's reveal, which is recorded).
REVIEW_FIELDSETS = [
    (
        None,
        {
            "fields": [
                "shop",
                "platform",
                "external_id",
                "order_no",
                "sub_order_no",
                "item_id",
                "item_title",
                "sku",
            ],
            "description": _(
                "评价、评分、追评、时间、订单和商品信息都是平台数据，这里只读，不能新增或修改。"
                "需要更正时，请重新导入平台导出文件(或由接入令牌重新提交)：系统会记录修改并按规则处理。"
            ),
        },
    ),
    (
        _("评价"),
        {
            "fields": [
                "rating",
                "rating_text",
                "content",
                "reviewed_at",
                "appended_content",
                "appended_at",
                "seller_replied",
                "reply_content",
            ]
        },
    ),
    (
        _("买家与订单"),
        {
            "fields": [
                "buyer_nick",
                "buyer_ip",
                "masked_buyer_phone",
                "masked_buyer_address",
                "order_amount",
                "shipping_fee",
                "courier",
            ]
        },
    ),
    (_("来源"), {"fields": ["source", "received_at", "last_batch", "updated_at"]}),
]


# How the intake models reach a shop (reviewdesk.access; the rest have a ``shop`` field and need
# nothing): HR is a member of its shops for payouts only and reads no case (roles.reads_cases: who works
# cases, and the client viewer, read-only and without buyers' personal data); a token is within reach
# when every shop it names is.
register_scope(Case, Scope(shop="shop", reader=reads_cases))
register_scope(ApiToken, Scope(shop="shops", every=True))


class RevisionInline(ScopedTabularInline):
    model = ReviewRevision
    extra = 0
    can_delete = False
    fields = [
        "at",
        "source",
        "rating_before",
        "rating_after",
        "changed_fields",
        "masked_before",
        "masked_after",
        "by",
        "batch",
    ]
    readonly_fields = fields

    @admin.display(description=_("修改前"))
    def masked_before(self, revision):
        return mask_contact_values(revision.before)

    @admin.display(description=_("修改后"))
    def masked_after(self, revision):
        return mask_contact_values(revision.after)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(ScopedModelAdmin):
    """Reviews as the platform sent them, read-only for everyone (the superuser too), with their
    revisions; corrections come through a new import."""

    list_display = [
        "external_id",
        "shop",
        "rating",
        "rating_text",
        "buyer_nick",
        "item_title",
        "reviewed_at",
        "source",
    ]
    list_filter = ["platform", "shop", "rating", "source"]
    # No free text (a phone typed into the item title would be found digit by digit): reviewdesk.admin_pii.
    search_fields = ["external_id", "order_no", "sub_order_no", "buyer_nick", "item_id"]
    date_hierarchy = "reviewed_at"
    inlines = [RevisionInline]
    actions = [export_in_background]  # a large table: exported by a job (jobs.admin_export)
    list_select_related = ["shop"]

    fieldsets = REVIEW_FIELDSETS
    readonly_fields = [name for _title, options in REVIEW_FIELDSETS for name in options["fields"]]

    @admin.display(description=_("买家电话"))
    def masked_buyer_phone(self, review):
        return mask_phone(review.buyer_phone) or "—"

    @admin.display(description=_("收货地址"))
    def masked_buyer_address(self, review):
        return mask_address(review.buyer_address) or "—"

    def has_add_permission(self, request):
        return False  # reviews arrive from the platform only

    def has_change_permission(self, request, obj=None):
        return False  # a view page, whatever the role: a POST answers 403 and writes nothing

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ScopedModelAdmin):
    list_display = [
        "id",
        "shop",
        "issue_type",
        "status",
        "is_malicious",
        "assignee",
        "first_response_due_at",
        "sla_tier_name",
        "conversion_candidate_at",
        "opened_at",
    ]
    list_filter = [
        "status",
        "platform",
        "shop",
        "issue_type",
        "is_malicious",
        "handling_role",
        ("conversion_candidate_at", admin.EmptyFieldListFilter),
        ("rating_worsened_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["review__external_id", "review__order_no", "review__buyer_nick"]
    list_select_related = ["shop", "issue_type", "assignee"]
    date_hierarchy = "opened_at"
    raw_id_fields = ["review", "assignee"]
    actions = [export_in_background]  # a large table: exported by a job (jobs.admin_export)

    # decision_*: shown as the whole decision below; customer_tier: by its name (customer_tier_name)
    exclude = ["decision_record", "decision_windows", "customer_tier"]

    def get_readonly_fields(self, request, obj=None):
        """Everything: a case moves through the workflow's services only (its windows, e.g. whether a
        revision is still allowed, decide what a conversion pays)."""
        return [
            *(f.name for f in Case._meta.fields if f.name not in self.exclude),
            "customer_tier_name",
            "decision_shown",
            "policy_refs_shown",
        ]

    @admin.display(description=_("客户分层"))
    def customer_tier_name(self, obj):
        return customer_tier_names().get(obj.customer_tier, obj.customer_tier) if obj.customer_tier else ""

    @admin.display(description=_("引擎决定"))
    def decision_shown(self, obj):
        return _json_block(render_values(obj.decision))  # the reasons in the reader's language

    @admin.display(description=_("所用规则版本"))
    def policy_refs_shown(self, obj):
        return _json_block(obj.policy_refs)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _json_block(value) -> str:
    """A JSON value as the admin showed the old JSON columns: indented, in a <pre>, escaped."""
    return format_html(
        '<pre style="white-space: pre-wrap">{}</pre>', json.dumps(value, ensure_ascii=False, indent=2)
    )


@admin.register(Buyer)
class BuyerAdmin(ScopedModelAdmin):
    list_display = ["nick", "shop", "review_count", "negative_review_count", "last_negative_at"]
    list_filter = ["platform", "shop"]
    search_fields = ["nick"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Buyer._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ImportMapping)
class ImportMappingAdmin(GlobalPolicyAdminMixin, admin.ModelAdmin):
    """Mappings read every shop's files: changed by the policy owner only (F5), read by managers."""

    list_display = ["name", "code", "platforms", "priority", "active", "updated_at"]
    list_filter = ["active"]
    fieldsets = [
        (None, {"fields": ["code", "name", "platforms", "priority", "active"], "description": MAPPING_HELP}),
        (_("列与取值"), {"fields": ["columns", "required_fields", "rating_map", "id_fields"]}),
    ]


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedModelAdmin):
    list_display = [
        "created_at",
        "shop",
        "source",
        "file_name",
        "status",
        "row_count",
        "created_count",
        "updated_count",
        "unchanged_count",
        "cases_opened",
        "error_count",
        "created_by",
    ]
    list_filter = ["status", "source", "shop"]
    search_fields = ["file_name", "sha256"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The API token admin (owners, scopes, shops, revocation, integration accounts) and the outgoing
# channels' admin (robots, mail channels, deliveries) have their own modules.
from cases import admin_notifications, admin_tokens  # noqa: E402, F401
from cases.offboarding import admin as offboarding_admin  # noqa: E402, F401 - the client export action
