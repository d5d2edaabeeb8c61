"""Input and output of ``POST /api/v1/reviews/``. Input fields are the generic template's columns."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.choices import RowStatus


class ReviewInputSerializer(serializers.Serializer):
    """One review. Values are validated by the same rules as an export file's cells."""

    shop = serializers.CharField(help_text=_("店铺代码"))
    platform = serializers.CharField(required=False, allow_blank=True, help_text=_("平台代码(可选，须与店铺一致)"))
    external_id = serializers.CharField(
        required=False, allow_blank=True, help_text=_("平台评价ID；留空时由子订单编号，或订单编号+商品ID生成")
    )
    order_no = serializers.CharField(help_text=_("订单编号"))
    sub_order_no = serializers.CharField(required=False, allow_blank=True)
    item_id = serializers.CharField(required=False, allow_blank=True)
    item_title = serializers.CharField(required=False, allow_blank=True)
    sku = serializers.CharField(required=False, allow_blank=True)
    rating = serializers.CharField(help_text=_("1–5，或 好评/中评/差评"))
    content = serializers.CharField(required=False, allow_blank=True)
    reviewed_at = serializers.CharField(help_text=_("评价时间，如 2026-11-20 13:05:00(北京时间)或 ISO 8601"))
    buyer_nick = serializers.CharField()
    buyer_ip = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    buyer_phone = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    buyer_address = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    order_amount = serializers.CharField(required=False, allow_blank=True, allow_null=True, help_text=_("元，两位小数"))
    shipping_fee = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    courier = serializers.CharField(required=False, allow_blank=True)
    appended_content = serializers.CharField(required=False, allow_blank=True)
    appended_at = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    seller_replied = serializers.CharField(required=False, allow_blank=True, allow_null=True, help_text=_("是/否"))
    reply_content = serializers.CharField(required=False, allow_blank=True)


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


class ReviewBatchResultSerializer(serializers.Serializer):
    results = ReviewItemResultSerializer(many=True)
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.IntegerField()
