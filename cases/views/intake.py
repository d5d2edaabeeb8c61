"""The upload page: choose shop and file → dry-run preview with every row error → confirm → result.

The previewed bytes are kept in a private staging folder under their SHA-256; the confirm form
carries a signed token (shop, user, hash, name), so confirming imports exactly the file that was
previewed, re-validated from scratch, and a tampered or stale token changes nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cases.services.intake import reviews_import_file
from reviewdesk.access import visible_shops
from reviewdesk.choices import Role
from reviewdesk.roles import user_roles

TOKEN_SALT = "cases.import.confirm"
TOKEN_MAX_AGE = 3600
UPLOAD_ROLES = {Role.SUPERVISOR, Role.MANAGER}


def _staging_dir() -> Path:
    path = Path(settings.VAR_DIR) / "import-staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _require_uploader(request: HttpRequest) -> None:
    if not (request.user.is_superuser or user_roles(request.user) & {str(r) for r in UPLOAD_ROLES}):
        raise PermissionDenied(_("只有客服主管和运营经理可以导入评价文件。"))


class UploadForm(forms.Form):
    shop = forms.ModelChoiceField(queryset=None, label=gettext_lazy("店铺"), empty_label=None)
    file = forms.FileField(label=gettext_lazy("评价导出文件"), help_text=gettext_lazy("淘宝/天猫、抖店的评价导出或通用模板，.xlsx 或 .csv"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = visible_shops(user).filter(active=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大：上限为 %(max)d MB。") % {"max": settings.IMPORT_MAX_BYTES // 1024 // 1024}
            )
        return upload


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    _require_uploader(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        shop = form.cleaned_data["shop"]
        upload_file = form.cleaned_data["file"]
        data = upload_file.read()
        result = reviews_import_file(shop=shop, data=data, file_name=upload_file.name, by=request.user, dry_run=True)
        token = ""
        if result.ok:
            (_staging_dir() / result.sha256).write_bytes(data)
            token = signing.dumps(
                {"shop": shop.pk, "user": request.user.pk, "sha256": result.sha256, "name": upload_file.name}, salt=TOKEN_SALT
            )
        return render(request, "cases/intake/preview.html", {"result": result, "shop": shop, "token": token})
    return render(request, "cases/intake/upload.html", {"form": form})


@login_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    _require_uploader(request)
    try:
        payload = signing.loads(request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return render(request, "cases/intake/upload.html", {
            "form": UploadForm(user=request.user), "problem": _("确认已过期或无效，请重新上传文件。"),
        }, status=400)  # fmt: skip
    shop = visible_shops(request.user).filter(pk=payload["shop"], active=True).first()
    staged = _staging_dir() / payload["sha256"]
    if payload["user"] != request.user.pk or shop is None or not staged.is_file():
        return render(request, "cases/intake/upload.html", {
            "form": UploadForm(user=request.user), "problem": _("找不到预览过的文件或无权导入该店铺，请重新上传。"),
        }, status=400)  # fmt: skip
    data = staged.read_bytes()
    if hashlib.sha256(data).hexdigest() != payload["sha256"]:
        return render(request, "cases/intake/upload.html", {
            "form": UploadForm(user=request.user), "problem": _("暂存文件已变化，请重新上传。"),
        }, status=400)  # fmt: skip
    result = reviews_import_file(shop=shop, data=data, file_name=payload["name"], by=request.user)
    if result.ok:
        staged.unlink(missing_ok=True)
    return render(request, "cases/intake/result.html", {"result": result, "shop": shop}, status=200 if result.ok else 400)
