"""Input and output of ``POST /api/v1/reviews/``. Input fields are the generic template's columns.

An item whose JSON does not have the documented shape (a number where a string belongs, a required
field missing) refuses the whole request with 400; an item of the right shape whose values break the
intake's rules (unknown shop, bad date) is answered per item (207)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.choices import RowStatus


class TextField(serializers.CharField):
    """A JSON string, as documented: DRF's CharField would also take 12 or true and store "12"/"True".
    A wrong type fails with CharField's own message ("Not a valid string." / 不是有效的字符串。)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "number"}]})
class TextOrNumberField(serializers.CharField):
    """A rating or an amount: a string as in an export file (差评, ￥59.00) or a JSON number (1, 59.0)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class ReviewInputSerializer(serializers.Serializer):
    """One review. Values are validated by the same rules as an export file's cells."""

    shop = TextField(help_text=_("店铺代码"))
    platform = TextField(required=False, allow_blank=True, help_text=_("平台代码(可选，须与店铺一致)"))
    external_id = TextField(
        required=False, allow_blank=True, help_text=_("平台评价ID；留空时由子订单编号，或订单编号+商品ID生成")
    )
    order_no = TextField(help_text=_("订单编号"))
    sub_order_no = TextField(required=False, allow_blank=True)
    item_id = TextField(required=False, allow_blank=True)
    item_title = TextField(required=False, allow_blank=True)
    sku = TextField(required=False, allow_blank=True)
    rating = TextOrNumberField(help_text=_("1–5，或 好评/中评/差评"))
    content = TextField(required=False, allow_blank=True)
    reviewed_at = TextField(help_text=_("评价时间，如 2026-11-20 13:05:00(北京时间)或 ISO 8601"))
    buyer_nick = TextField()
    buyer_ip = TextField(required=False, allow_blank=True, allow_null=True)
    buyer_phone = TextField(required=False, allow_blank=True, allow_null=True)
    buyer_address = TextField(required=False, allow_blank=True, allow_null=True)
    order_amount = TextOrNumberField(
        required=False, allow_blank=True, allow_null=True, help_text=_("元，两位小数")
    )
    shipping_fee = TextOrNumberField(required=False, allow_blank=True, allow_null=True)
    courier = TextField(required=False, allow_blank=True)
    appended_content = TextField(required=False, allow_blank=True)
    appended_at = TextField(required=False, allow_blank=True, allow_null=True)
    seller_replied = TextField(required=False, allow_blank=True, allow_null=True, help_text=_("是/否"))
    reply_content = TextField(required=False, allow_blank=True)


class ItemErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class ReviewItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text=_("请求中第几条(从0起)"))
    status = serializers.ChoiceField(choices=RowStatus.choices)
    external_id = serializers.CharField(allow_null=True)
    review_id = serializers.IntegerField(allow_null=True)
    case_id = serializers.IntegerField(allow_null=True)
    errors = ItemErrorSerializer(many=True)


class ReviewBatchRefusalSerializer(serializers.Serializer):
    """A request refused as a whole (HTTP 400): nothing was written."""

    detail = serializers.CharField()
    results = ReviewItemResultSerializer(many=True, required=False, help_text=_("形状不符的条目及其字段错误"))


class ReviewBatchResultSerializer(serializers.Serializer):
    results = ReviewItemResultSerializer(many=True)
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.IntegerField()
