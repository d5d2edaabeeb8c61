"""Admin for intake data: reviews (manual entry and correction through the intake service), their
revisions, cases (read-only here; the workflow has its own services), mappings, batches, tokens."""

import importlib.util
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.intake.pipeline import DEFAULT_LEVELS, clean_values
from cases.models import ApiToken, Buyer, Case, ImportBatch, ImportMapping, Review, ReviewRevision
from cases.models.intake import MAPPING_HELP, hash_token_key
from cases.services.submit import API_REQUIRED, INPUT_FIELDS, review_save_manual
from cases.workflow import mask_address, mask_contact_values, mask_phone
from reviewdesk.access import visible_shop_ids
from reviewdesk.models import Shop

# A stored review's phone and address show masked in the admin too (the unmasked values are read only
# through the case page's reveal, which is recorded); they are typed in only when a review is added.
MASKED_CONTACT = {"buyer_phone": "masked_buyer_phone", "buyer_address": "masked_buyer_address"}


class ShopScopedAdmin(admin.ModelAdmin):
    """A manager sees only the shops they belong to, like everywhere else."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(shop_id__in=visible_shop_ids(request.user))


class ReviewForm(forms.ModelForm):
    rating = forms.CharField(label=_("评分"), help_text=_("1–5，或 好评/中评/差评"))

    class Meta:
        model = Review
        fields = [
            "shop", "external_id", "order_no", "sub_order_no", "item_id", "item_title", "sku", "rating", "content",
            "reviewed_at", "buyer_nick", "buyer_ip", "order_amount", "shipping_fee", "courier", "appended_content",
            "appended_at", "seller_replied", "reply_content", "buyer_phone", "buyer_address",
        ]  # fmt: skip

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "external_id" in self.fields:  # read-only (not a form field) once the review exists
            self.fields["external_id"].required = False
            self.fields["external_id"].help_text = _("留空时由子订单编号，或订单编号+商品ID生成。")
        if request is not None and not request.user.is_superuser and "shop" in self.fields:
            self.fields["shop"].queryset = self.fields["shop"].queryset.filter(pk__in=visible_shop_ids(request.user))

    def clean(self):
        data = super().clean()
        shop = data.get("shop") or (self.instance.shop if self.instance.pk else None)
        if shop is None:
            return data
        raw = {name: data.get(name) for name in INPUT_FIELDS if name in data}
        if self.instance.pk:
            raw["external_id"] = self.instance.external_id
            for name in MASKED_CONTACT:  # not on the change form: kept as stored
                raw.setdefault(name, getattr(self.instance, name))
        values, problems = clean_values(raw, shop=shop, levels=DEFAULT_LEVELS, required=API_REQUIRED, id_fields=("sub_order_no", "order_no"))
        if problems:
            raise ValidationError({(name if name in self.fields else "__all__"): message for name, message in problems})
        if not self.instance.pk and Review.objects.filter(shop=shop, external_id=values["external_id"]).exists():
            raise ValidationError({"external_id": _("该店铺已有这条评价(%(id)s)，请在列表中找到它并修改。") % {"id": values["external_id"]}})
        self.intake_values = raw
        return data

    def _post_clean(self):
        # The model instance is written by the intake service, not by ModelForm's construct/validate.
        pass


class RevisionInline(admin.TabularInline):
    model = ReviewRevision
    extra = 0
    can_delete = False
    fields = ["at", "source", "rating_before", "rating_after", "changed_fields", "masked_before", "masked_after", "by", "batch"]
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
class ReviewAdmin(ShopScopedAdmin):
    form = ReviewForm
    list_display = ["external_id", "shop", "rating", "rating_text", "buyer_nick", "item_title", "reviewed_at", "source"]
    list_filter = ["platform", "shop", "rating", "source"]
    search_fields = ["external_id", "order_no", "sub_order_no", "buyer_nick", "item_title"]
    date_hierarchy = "reviewed_at"
    inlines = [RevisionInline]
    list_select_related = ["shop"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        return RequestForm

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is None else list(dict.fromkeys(MASKED_CONTACT.get(name, name) for name in fields))

    def get_readonly_fields(self, request, obj=None):
        return ["shop", "external_id", *MASKED_CONTACT.values()] if obj else []

    @admin.display(description=_("买家电话"))
    def masked_buyer_phone(self, review):
        return mask_phone(review.buyer_phone) or "—"

    @admin.display(description=_("收货地址"))
    def masked_buyer_address(self, review):
        return mask_address(review.buyer_address) or "—"

    def save_model(self, request, obj, form, change):
        shop = obj.shop if change else form.cleaned_data["shop"]
        result = review_save_manual(shop=shop, values=form.intake_values, by=request.user)
        if result.errors:  # validated in the form already; a race is the only way here
            raise ValidationError("; ".join(e["message"] for e in result.errors))
        saved = Review.objects.get(pk=result.review_id)
        obj.__dict__.update(saved.__dict__)
        if result.case_id and not change:
            messages.info(request, _("已按规则分诊并开案：案件 #%(id)s。") % {"id": result.case_id})

    def save_related(self, request, form, formsets, change):
        # The intake service wrote the review; the revisions inline is read-only. The change message
        # still reads what each formset saved: nothing.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ShopScopedAdmin):
    list_display = ["id", "shop", "issue_type", "status", "is_malicious", "assignee", "first_response_due_at", "sla_tier_name", "conversion_candidate_at", "opened_at"]  # fmt: skip
    list_filter = ["status", "platform", "shop", "issue_type", "is_malicious", "handling_role", ("conversion_candidate_at", admin.EmptyFieldListFilter), ("rating_worsened_at", admin.EmptyFieldListFilter)]  # fmt: skip
    search_fields = ["review__external_id", "review__order_no", "review__buyer_nick"]
    list_select_related = ["shop", "issue_type", "assignee"]
    date_hierarchy = "opened_at"
    raw_id_fields = ["review", "assignee"]

    def get_readonly_fields(self, request, obj=None):
        return [*(f.name for f in Case._meta.fields if f.name not in ("decision_record", "decision_windows")), "decision_shown", "policy_refs_shown"]

    @admin.display(description=_("引擎决定"))
    def decision_shown(self, obj):
        return _json_block(obj.decision)

    @admin.display(description=_("所用规则版本"))
    def policy_refs_shown(self, obj):
        return _json_block(obj.policy_refs)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _json_block(value) -> str:
    """A JSON value as the admin showed the old JSON columns: indented, in a <pre>, escaped."""
    return format_html('<pre style="white-space: pre-wrap">{}</pre>', json.dumps(value, ensure_ascii=False, indent=2))


@admin.register(Buyer)
class BuyerAdmin(ShopScopedAdmin):
    list_display = ["nick", "shop", "review_count", "negative_review_count", "last_negative_at"]
    list_filter = ["platform", "shop"]
    search_fields = ["nick"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Buyer._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "platforms", "priority", "active", "updated_at"]
    list_filter = ["active"]
    fieldsets = [(None, {"fields": ["code", "name", "platforms", "priority", "active"], "description": MAPPING_HELP}),
                 (_("列与取值"), {"fields": ["columns", "required_fields", "rating_map", "id_fields"]})]  # fmt: skip


@admin.register(ImportBatch)
class ImportBatchAdmin(ShopScopedAdmin):
    list_display = ["created_at", "shop", "source", "file_name", "status", "row_count", "created_count", "updated_count", "unchanged_count", "cases_opened", "error_count", "created_by"]  # fmt: skip
    list_filter = ["status", "source", "shop"]
    search_fields = ["file_name", "sha256"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    filter_horizontal = ["shops"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    # A token reaches the shops it names (within its user's): a manager sees and grants only their own
    # shops, or a manager of shop B could mint a key for shop A in the name of a colleague of both.
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.exclude(shops__in=Shop.objects.exclude(pk__in=visible_shop_ids(request.user)))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "shops" and not request.user.is_superuser:
            kwargs["queryset"] = Shop.objects.filter(pk__in=visible_shop_ids(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            key = ApiToken.new_key()
            obj.prefix, obj.key_hash = key[:8], hash_token_key(key)
            super().save_model(request, obj, form, change)
            messages.warning(request, _("新令牌密钥(只显示这一次，请立即复制保存)：%(key)s") % {"key": key})
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("吊销所选令牌"), permissions=["change"])
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("已吊销 %(n)d 个令牌。") % {"n": count})


# Helper C2's admin (notifications, channels, deliveries) lives in its own module.
if importlib.util.find_spec("cases.admin_notifications") is not None:
    from cases import admin_notifications  # noqa: F401
