"""The forms of the knowledge pages: an article (its layer offered from what the user may change) and a
question of its bank."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from knowledge.choices import QuestionKind
from knowledge.models import Article, ProductLine
from policies.models import IssueType
from reviewdesk.access import CHANGE, client_ids_for, shop_ids_for
from reviewdesk.models import Client, Shop


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): a list, each checked by FileField."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ArticleForm(forms.ModelForm):
    files = MultipleFileField(label=_("附件"), required=False)

    class Meta:
        model = Article
        fields = [
            "title",
            "kind",
            "status",
            "shop",
            "client",
            "product_line",
            "item_id",
            "sku_pattern",
            "issue_type",
            "platform",
            "body",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = Shop.objects.filter(pk__in=shop_ids_for(user, CHANGE)).order_by("code")
        self.fields["client"].queryset = Client.objects.filter(pk__in=client_ids_for(user, CHANGE)).order_by(
            "code"
        )
        self.fields["issue_type"].queryset = IssueType.objects.order_by("name")
        self.fields["product_line"].queryset = ProductLine.objects.filter(active=True)
        if not (user.is_superuser or user.has_perm("knowledge.publish_article")):
            self.fields["status"].disabled = True


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("题目"), max_length=300)
    options = forms.CharField(
        label=_("选项(每行一个；判断题可不填)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    correct = forms.CharField(label=_("正确选项的序号(从1起，多个用逗号分隔)"), max_length=40)

    def clean_correct(self):
        text = self.cleaned_data["correct"].replace("，", ",")
        try:
            return [int(part) - 1 for part in text.split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("请填写选项的序号，如 1 或 1,3。")) from None
