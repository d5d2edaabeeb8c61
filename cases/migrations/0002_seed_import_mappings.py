"""Ship the column mappings for the Taobao/Tmall and Douyin review exports and the generic template.

They are admin data afterwards: a manager may add aliases or new formats without a deploy.
"""

from django.db import migrations

LEVELS = {"好评": 5, "中评": 3, "差评": 1, "好": 5, "中": 3, "差": 1}

MAPPINGS = [
    {
        "code": "taobao-review-export",
        "name": "淘宝/天猫评价导出",
        "platforms": "taobao,tmall",
        "priority": 10,
        "columns": {
            "order_no": ["订单编号", "订单号", "主订单编号", "主订单号"],
            "sub_order_no": ["子订单编号", "子订单号"],
            "item_title": ["宝贝名称", "宝贝标题", "商品名称", "商品标题"],
            "item_id": ["商品ID", "宝贝ID", "商品编号"],
            "sku": ["商品属性/SKU", "商品属性", "SKU", "销售属性", "宝贝属性"],
            "rating": ["评价等级", "评价结果", "评价类型"],
            "content": ["评价内容", "初评内容", "评论内容"],
            "reviewed_at": ["评价时间", "初评时间", "评论时间"],
            "buyer_nick": ["买家昵称", "买家会员名", "会员名"],
            "order_amount": ["实付金额", "买家实付金额", "实付款", "实付款(元)"],
            "shipping_fee": ["运费", "邮费", "买家应付邮费"],
            "courier": ["物流公司", "快递公司"],
            "appended_content": ["追评内容", "追加评论", "追评"],
            "appended_at": ["追评时间", "追加评论时间"],
            "buyer_ip": ["买家IP", "IP"],
        },
        "required_fields": ["order_no", "rating", "reviewed_at", "buyer_nick"],
        "rating_map": LEVELS,
        "id_fields": ["sub_order_no", "order_no"],
    },
    {
        "code": "douyin-review-export",
        "name": "抖店评价导出",
        "platforms": "douyin",
        "priority": 10,
        "columns": {
            "reviewed_at": ["评价日期", "评价时间"],
            "order_no": ["订单ID", "订单编号", "订单号"],
            "item_id": ["商品ID", "商品id"],
            "item_title": ["商品名称", "商品标题"],
            "sku": ["商品规格", "规格"],
            "rating": ["商品评价得分", "商品评分", "评分", "评价得分"],
            "content": ["评价内容"],
            "buyer_nick": ["用户昵称", "买家昵称"],
            "appended_content": ["追评内容"],
            "appended_at": ["追评时间"],
            "seller_replied": ["商家是否回复", "是否回复"],
            "reply_content": ["回复内容", "商家回复"],
            "order_amount": ["实付金额", "订单金额"],
            "courier": ["物流公司", "快递公司"],
        },
        "required_fields": ["order_no", "item_id", "rating", "reviewed_at", "buyer_nick"],
        "rating_map": {"1分": 1, "2分": 2, "3分": 3, "4分": 4, "5分": 5, "1星": 1, "2星": 2, "3星": 3, "4星": 4, "5星": 5},
        "id_fields": ["order_no"],
    },
    {
        "code": "generic",
        "name": "通用模板",
        "platforms": "",
        "priority": 50,
        "columns": {
            "external_id": ["评价ID", "external_id"],
            "order_no": ["订单编号", "订单号", "order_no"],
            "sub_order_no": ["子订单编号", "sub_order_no"],
            "item_id": ["商品ID", "item_id"],
            "item_title": ["商品名称", "item_title"],
            "sku": ["商品规格", "sku"],
            "rating": ["评分", "rating"],
            "content": ["评价内容", "content"],
            "reviewed_at": ["评价时间", "reviewed_at"],
            "buyer_nick": ["买家昵称", "buyer_nick"],
            "buyer_ip": ["买家IP", "buyer_ip"],
            "buyer_phone": ["买家电话", "buyer_phone"],
            "buyer_address": ["收货地址", "buyer_address"],
            "order_amount": ["实付金额", "order_amount"],
            "shipping_fee": ["运费", "shipping_fee"],
            "courier": ["物流公司", "courier"],
            "appended_content": ["追评内容", "appended_content"],
            "appended_at": ["追评时间", "appended_at"],
            "seller_replied": ["商家是否回复", "seller_replied"],
            "reply_content": ["回复内容", "reply_content"],
            "platform": ["平台", "platform"],
            "shop": ["店铺代码", "shop"],
        },
        "required_fields": ["order_no", "rating", "reviewed_at", "buyer_nick"],
        "rating_map": LEVELS,
        "id_fields": ["sub_order_no", "order_no"],
    },
]


def seed(apps, schema_editor):
    ImportMapping = apps.get_model("cases", "ImportMapping")
    for row in MAPPINGS:
        ImportMapping.objects.update_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})


def unseed(apps, schema_editor):
    apps.get_model("cases", "ImportMapping").objects.filter(code__in=[m["code"] for m in MAPPINGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
