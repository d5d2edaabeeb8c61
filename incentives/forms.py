from decimal import Decimal

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from reviewdesk.money import MONEY


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("申诉理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    amount = forms.DecimalField(
        label=_("调整金额/数量"),
        **MONEY,
        initial=Decimal("0"),
        help_text=_(
            "正数补发，负数扣回；填 0 表示驳回申诉，不记账。调整记入下一个开放期间；有单笔上限，超过复核线须第二人确认。"
        ),
    )
    note = forms.CharField(label=_("处理说明"), max_length=500, required=False)


class RedemptionForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("reject", _("拒绝"))])
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class LockForm(forms.Form):
    """The lock button's form. Locking a month before it ends takes the confirmation page's tick box
    and its token: the token is signed for this user and this period when the page is shown, so an
    early lock is confirmed by someone who has just seen that page's totals, negative balances and
    open disputes (the service still refuses an early lock without ``early_confirmed``). A lock for a
    client (品牌方) signs the client too: the page confirmed is that client's."""

    SALT = "incentives.period-early-lock"
    MAX_AGE = 2 * 60 * 60  # seconds a confirmation page stays valid

    early_confirmed = forms.BooleanField(
        label=_("我已核对以上合计、负数余额和未结申诉，确认在期间结束前锁定"), required=False
    )
    review_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, period, user, client=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.period, self.user, self.client = period, user, client
        if not self.is_bound:
            self.initial["review_token"] = self.token(period=period, user=user, client=client)

    @staticmethod
    def _signed(*, period, user, client=None) -> dict:
        signed = {"period": period.pk, "user": user.pk}
        if client is not None:
            signed["client"] = client.pk
        return signed

    @classmethod
    def token(cls, *, period, user, client=None) -> str:
        return signing.dumps(cls._signed(period=period, user=user, client=client), salt=cls.SALT)

    def clean(self):
        data = super().clean()
        if data.get("early_confirmed"):
            try:
                signed = signing.loads(data.get("review_token") or "", salt=self.SALT, max_age=self.MAX_AGE)
            except signing.SignatureExpired:
                raise forms.ValidationError(_("确认页已过期，请重新核对后再确认提前锁定。"), code="expired")
            except signing.BadSignature:
                signed = None
            if signed != self._signed(period=self.period, user=self.user, client=self.client):
                raise forms.ValidationError(
                    _("提前锁定须在本期间的确认页上确认，请先打开确认页核对。"), code="bad_token"
                )
        return data
