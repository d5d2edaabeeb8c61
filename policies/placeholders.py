"""The whitelist of template placeholders. Templates render from a plain dict of exactly these keys,
never from model objects (conventions rule 7, docs/conventions.md): a placeholder not listed here is refused on save."""

from django.utils.translation import gettext_lazy as _

PLACEHOLDERS: dict[str, str] = {
    "order_no": _("订单号"),
    # The issue type's buyer-facing label (IssueType.buyer_label), never its internal name: an
    # extorting buyer must not read "关于您提到的恶意差评".
    "issue": _("买家反馈的问题(问题类型对买家的称呼)"),
    "buyer_nick": _("买家昵称"),
    "item_title": _("商品名称"),
    "sku": _("商品规格"),
    "shop_name": _("店铺名称"),
    "agent_name": _("客服姓名"),
    "compensation": _("补偿方案"),
    "coupon_amount": _("优惠券金额"),
    "refund_amount": _("退款金额"),
    "tracking_no": _("快递单号"),
    "courier": _("快递公司"),
    "eta_days": _("预计送达天数"),
    "member_level": _("会员等级"),
    "coupon_valid_months": _("优惠券有效月数"),
}

# What {issue} says when the issue type has no buyer label (or the case has no issue type yet).
DEFAULT_ISSUE_LABEL = _("您反馈的问题")


def issue_for_buyer(issue_type, language: str = "zh-hans") -> str:
    """What ``{issue}`` says to the buyer: the issue type's buyer label, else the generic wording. The
    internal name ("恶意差评", "买家误解") never reaches a buyer."""
    from django.utils import translation

    label = getattr(issue_type, "buyer_label", "") if issue_type is not None else ""
    if label and not language.startswith("en"):
        return label
    with translation.override(language):
        return str(DEFAULT_ISSUE_LABEL)
