"""The whitelist of template placeholders. Templates render from a plain dict of exactly these keys,
never from model objects (conventions rule 7, docs/conventions.md): a placeholder not listed here is refused on save."""

from django.utils.translation import gettext_lazy as _

PLACEHOLDERS: dict[str, str] = {
    "order_no": _("订单号"),
    "issue": _("核心问题(问题类型)"),
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
