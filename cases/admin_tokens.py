"""The API token admin: who may hold a token, with which scopes and shops, and how it is revoked.

A person creates tokens only for themselves or for an integration account of their shops (a sync job's
identity, ``User.is_integration``: it cannot log in, and its tokens carry only the intake scope); only a
superuser may name anyone. Otherwise a manager could mint a supervisor's key and approve his own refund
request or reveal a buyer's phone in that supervisor's name. A token's owner, scopes and shops are fixed
once it exists (revoke it and create another): the list shows who created it and when, when it was last
used, and who revoked it and when; each revocation is also written to the admin's history (LogEntry).
A manager sees only the tokens whose shops are all his (and his own), creates integration accounts
only in his shops, and grants only his shops. The key is shown once, right after creation.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import csrf_protect_m
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.models import ApiToken
from cases.models.intake import TokenScope, hash_token_key
from reviewdesk.access import restrict, shop_ids_for
from reviewdesk.admin_scope import ShopScopedAdminMixin
from reviewdesk.models import Shop, ShopMembership, User


def token_owner_choices(requester):
    """Whom ``requester`` may create a token for: themselves and the integration accounts of their
    shops; a superuser anyone active."""
    users = User.objects.filter(is_active=True)
    if requester.is_superuser:
        return users
    own_shops = shop_ids_for(requester)
    integrations = User.objects.filter(is_integration=True, memberships__shop_id__in=own_shops).values("pk")
    return users.filter(Q(pk=requester.pk) | Q(pk__in=integrations))


def grantable_shops(requester):
    return restrict(Shop.objects.all(), requester)


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("权限范围"),
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "intake：提交评价；cases:read：读取案件；cases:act：处理案件(含准备动作、上传证据、查看买家联系方式)。"
            "集成账号的令牌只能有 intake。"
        ),
    )

    class Meta:
        model = ApiToken
        fields = ["name", "user", "scopes", "shops"]

    def __init__(self, *args, requester=None, **kwargs):
        super().__init__(*args, **kwargs)
        if requester is not None and "user" in self.fields:
            self.fields["user"].queryset = token_owner_choices(requester)
            self.fields["user"].help_text = _("只能为自己或本店铺的集成账号创建令牌。")
            self.fields["shops"].queryset = grantable_shops(requester)

    def clean(self):
        data = super().clean()
        owner, shops, scopes = data.get("user"), data.get("shops"), data.get("scopes")
        if owner is None:
            return data
        if owner.is_integration and scopes and set(scopes) != {TokenScope.INTAKE}:
            self.add_error("scopes", _("集成账号的令牌只能有“提交评价(intake)”权限范围。"))
        if shops and not owner.is_superuser:
            member_of = set(owner.memberships.values_list("shop_id", flat=True))
            outside = [shop.code for shop in shops if shop.pk not in member_of]
            if outside:
                self.add_error(
                    "shops", _("令牌所属用户不是这些店铺的成员：%(shops)s。") % {"shops": "、".join(outside)}
                )
        return data


class IntegrationAccountForm(forms.Form):
    username = forms.RegexField(
        label=_("账号名"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("例如 sync-tb-main。只能包含字母、数字和 @/./+/-/_。"),
        error_messages={"invalid": _("账号名只能包含字母、数字和 @/./+/-/_。")},
    )
    display_name = forms.CharField(label=_("名称"), max_length=64, required=False)
    shops = forms.ModelMultipleChoiceField(label=_("店铺"), queryset=Shop.objects.none())

    def __init__(self, *args, requester, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shops"].queryset = grantable_shops(requester)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("账号名“%(name)s”已被使用。") % {"name": username})
        return username


class ApiTokenAdmin(ShopScopedAdminMixin, admin.ModelAdmin):
    form = ApiTokenForm
    list_display = [
        "name",
        "prefix",
        "user",
        "scope_list",
        "shop_list",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
        "revoke_link",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "created_by", "revoked_by"]
    filter_horizontal = ["shops"]
    actions = ["revoke"]
    change_list_template = "admin/cases/apitoken/change_list.html"
    change_form_template = "admin/cases/apitoken/change_form.html"
    AUDIT_FIELDS = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at", "revoked_by"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).prefetch_related("shops")
        if request.user.is_superuser:
            return qs
        outside = Shop.objects.exclude(pk__in=shop_ids_for(request.user))
        mine = Q(user=request.user) | Q(created_by=request.user)
        return qs.exclude(shops__in=outside).filter(Q(shops__isnull=False) | mine).distinct()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class RequesterForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, requester=request.user, **inner)

        return RequesterForm

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.AUDIT_FIELDS
        return ["user", "scope_list", "shop_list", *self.AUDIT_FIELDS]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "user", "scopes", "shops"]
        return ["name", "user", "scope_list", "shop_list", *self.AUDIT_FIELDS]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("user", request.user.pk)
        return initial

    @admin.display(description=_("权限范围"))
    def scope_list(self, token):
        return (
            "、".join(str(TokenScope(s).label) for s in token.scopes or () if s in TokenScope.values) or "—"
        )

    @admin.display(description=_("店铺"))
    def shop_list(self, token):
        return "、".join(shop.code for shop in token.shops.all()) or "—"

    @admin.display(description=_("吊销"))
    def revoke_link(self, token):
        """To the token's page, whose "revoke" button (change_form.html) posts ``_revoke``."""
        if token.revoked_at is not None:
            return "—"
        url = reverse("admin:cases_apitoken_change", args=[quote(token.pk)])
        return format_html('<a class="button" href="{}">{}</a>', url, _("吊销"))

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key = ApiToken.new_key()
        obj.prefix, obj.key_hash, obj.created_by = key[:8], hash_token_key(key), request.user
        super().save_model(request, obj, form, change)
        messages.warning(request, _("新令牌密钥(只显示这一次，请立即复制保存)：%(key)s") % {"key": key})

    # --- revoking: the bulk action and the per-token button share revoke_tokens --------------------

    def revoke_tokens(self, request, tokens) -> int:
        """Revoke the live ones among ``tokens`` (already limited to what the requester may change):
        stamped with who and when, and written to the admin history."""
        now, count = timezone.now(), 0
        for token in tokens:
            with transaction.atomic():
                updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
                    revoked_at=now, revoked_by=request.user
                )
                if updated:
                    self.log_change(request, token, [{"changed": {"fields": ["revoked_at", "revoked_by"]}}])
                    count += 1
        return count

    @admin.action(description=_("吊销所选令牌"), permissions=["change"])
    def revoke(self, request, queryset):
        count = self.revoke_tokens(request, queryset.filter(revoked_at__isnull=True))
        messages.success(request, _("已吊销 %(n)d 个令牌。") % {"n": count})

    @csrf_protect_m
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The token page's "revoke" button posts ``_revoke``: the token is revoked (nothing else on the
        form is saved), if the requester may change it; another shop's token is "not found"."""
        if request.method == "POST" and object_id is not None and "_revoke" in request.POST:
            token = self.get_object(request, unquote(object_id))
            if token is None:
                raise Http404
            if not self.has_change_permission(request, token):
                raise PermissionDenied
            if self.revoke_tokens(request, [token]):
                messages.success(request, _("令牌“%(token)s”已吊销。") % {"token": token})
            return HttpResponseRedirect(reverse("admin:cases_apitoken_changelist"))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        extra = [
            path(
                "integration-account/add/",
                self.admin_site.admin_view(self.integration_account_view),
                name="cases_apitoken_integration_account",
            ),
        ]
        return extra + super().get_urls()

    def integration_account_view(self, request):
        """Create an integration account in the requester's shops (who may add tokens may do this),
        then go on to its token."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IntegrationAccountForm(request.POST or None, requester=request.user)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                account = User(
                    username=form.cleaned_data["username"],
                    display_name=form.cleaned_data["display_name"],
                    is_integration=True,
                )
                account.set_unusable_password()
                account.save()
                ShopMembership.objects.bulk_create(
                    ShopMembership(shop=shop, user=account) for shop in form.cleaned_data["shops"]
                )
                self.log_addition(request, account, [{"added": {}}])
            messages.success(
                request, _("已创建集成账号“%(name)s”，请为它创建令牌。") % {"name": account.username}
            )
            return HttpResponseRedirect(f"{reverse('admin:cases_apitoken_add')}?user={account.pk}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": _("新建集成账号"),
        }
        return TemplateResponse(request, "admin/cases/apitoken/integration_account.html", context)


admin.site.register(ApiToken, ApiTokenAdmin)
