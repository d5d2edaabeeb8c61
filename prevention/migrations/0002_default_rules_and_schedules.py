from decimal import Decimal

from django.db import migrations

# Each platform's order export: field -> header aliases (preferred first), as the back offices name them.
MAPPINGS = [
    {
        "code": "taobao-orders",
        "name": "淘宝/天猫 订单导出",
        "platforms": "taobao,tmall",
        "ship_within_hours": 48,
        "columns": {
            "order_no": ["订单编号", "订单号"],
            "buyer_nick": ["买家会员名", "买家昵称"],
            "item_id": ["宝贝ID", "商品ID"],
            "item_title": ["宝贝标题", "商品标题"],
            "sku": ["宝贝属性", "商品属性", "销售属性"],
            "paid_at": ["订单付款时间", "付款时间"],
            "ship_by": ["承诺发货时间", "最晚发货时间"],
            "shipped_at": ["发货时间"],
            "courier": ["物流公司"],
            "tracking_no": ["物流单号", "运单号"],
            "status": ["订单状态"],
            "after_sale": ["退款状态", "售后状态"],
            "delivered_at": ["确认收货时间", "签收时间"],
        },
        "required_fields": ["order_no", "status"],
        "status_map": {
            "买家已付款，等待卖家发货": "awaiting_shipment",
            "等待卖家发货": "awaiting_shipment",
            "卖家已发货，等待买家确认": "in_transit",
            "卖家已发货": "in_transit",
            "交易成功": "delivered",
            "交易关闭": "closed",
            "等待买家付款": "closed",
        },
        "after_sale_map": {"退款成功": "refund", "退货退款成功": "return", "换货成功": "exchange"},
    },
    {
        "code": "douyin-orders",
        "name": "抖店 订单导出",
        "platforms": "douyin",
        "ship_within_hours": 48,
        "columns": {
            "order_no": ["主订单编号", "订单编号", "订单号"],
            "buyer_nick": ["买家昵称", "用户昵称"],
            "item_id": ["商品ID"],
            "item_title": ["选购商品", "商品名称"],
            "sku": ["商品规格"],
            "paid_at": ["支付完成时间", "付款时间"],
            "ship_by": ["预计发货时间", "承诺发货时间"],
            "shipped_at": ["发货时间"],
            "courier": ["快递公司", "物流公司"],
            "tracking_no": ["快递单号", "运单号"],
            "status": ["订单状态"],
            "after_sale": ["售后状态"],
            "delivered_at": ["签收时间", "完成时间"],
        },
        "required_fields": ["order_no", "status"],
        "status_map": {"待发货": "awaiting_shipment", "已发货": "in_transit", "已完成": "delivered", "已关闭": "closed"},
        "after_sale_map": {"退款成功": "refund", "退货退款成功": "return", "换货成功": "exchange"},
    },
    {
        "code": "jd-orders",
        "name": "京东 订单导出",
        "platforms": "jd",
        "ship_within_hours": 24,
        "columns": {
            "order_no": ["订单号", "订单编号"],
            "buyer_nick": ["下单帐号", "下单账号", "客户账号"],
            "item_id": ["商品ID", "商品编号"],
            "item_title": ["商品名称"],
            "sku": ["商品规格", "销售属性"],
            "paid_at": ["付款确认时间", "付款时间"],
            "ship_by": ["预计出库时间", "承诺发货时间"],
            "shipped_at": ["出库时间", "发货时间"],
            "courier": ["承运商", "快递公司"],
            "tracking_no": ["运单号", "快递单号"],
            "status": ["订单状态"],
            "after_sale": ["售后状态", "服务单状态"],
            "delivered_at": ["妥投时间", "完成时间"],
        },
        "required_fields": ["order_no", "status"],
        "status_map": {
            "等待出库": "awaiting_shipment",
            "等待确认收货": "in_transit",
            "完成": "delivered",
            "已完成": "delivered",
            "(删除)锁定": "closed",
            "已取消": "closed",
        },
        "after_sale_map": {"退款完成": "refund", "退货完成": "return", "换新完成": "exchange"},
    },
    {
        "code": "pdd-orders",
        "name": "拼多多 订单导出",
        "platforms": "pdd",
        "ship_within_hours": 48,
        "columns": {
            "order_no": ["订单号", "订单编号"],
            "buyer_nick": ["买家昵称", "用户昵称"],
            "item_id": ["商品id", "商品ID"],
            "item_title": ["商品", "商品名称"],
            "sku": ["样式", "商品规格"],
            "paid_at": ["支付时间", "付款时间"],
            "ship_by": ["承诺发货时间"],
            "shipped_at": ["发货时间"],
            "courier": ["快递公司"],
            "tracking_no": ["快递单号", "运单号"],
            "status": ["订单状态"],
            "after_sale": ["售后状态"],
            "delivered_at": ["确认收货时间", "签收时间"],
        },
        "required_fields": ["order_no", "status"],
        "status_map": {
            "待发货": "awaiting_shipment",
            "已发货，待签收": "in_transit",
            "已发货": "in_transit",
            "已签收": "delivered",
            "已取消": "closed",
        },
        "after_sale_map": {"退款成功": "refund", "退货退款成功": "return", "换货成功": "exchange"},
    },
]

# Seed 000: 对延迟订单自动触发补偿机制（如赠送5元券）; the words ask for nothing in return.
OFFER = "亲，您的包裹在路上耽搁了，给您带来不便非常抱歉。我们为您准备了一张5元无门槛优惠券，已放入您的账户，我们也会持续跟进物流。"
LATE_RULES = [
    {
        "name": "默认物流延迟规则",
        "platform": "",
        "courier": "",
        "ship_grace_hours": 0,
        "no_movement_hours": 24,
        "stuck_hours": 36,
        "delivery_days": 5,
    },
    {
        "name": "顺丰(时效快)",
        "platform": "",
        "courier": "顺丰",
        "ship_grace_hours": 0,
        "no_movement_hours": 12,
        "stuck_hours": 24,
        "delivery_days": 3,
    },
]
RISK_RULE = {
    "name": "频繁退换货或差评的买家",
    "min_after_sales": 2,
    "min_negative_reviews": 2,
    "min_malicious": 1,
    "extortion": True,
    "suggestion": "建议为该订单购买运费险，发货前核对商品和包装并留存照片。",
}
SCHEDULES = [
    ("ReviewDesk late-parcel sweep", "prevention.sweep.late_sweep_task", "I", 10),
    ("ReviewDesk risky-order flags", "prevention.risk.risk_sweep_task", "I", 30),
    ("ReviewDesk logistics trace pull", "prevention.pull.trace_pull_task", "H", None),
]


def seed(apps, schema_editor):
    OrderMapping = apps.get_model("prevention", "OrderMapping")
    LateRule = apps.get_model("prevention", "LateRule")
    RiskRule = apps.get_model("prevention", "RiskRule")
    for row in MAPPINGS:
        OrderMapping.objects.update_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})
    for row in LATE_RULES:
        LateRule.objects.get_or_create(
            shop=None,
            client=None,
            name=row["name"],
            defaults={**row, "offer_text": OFFER, "offer_amount": Decimal("5.00"), "task_sla_hours": 4},
        )
    RiskRule.objects.get_or_create(shop=None, client=None, name=RISK_RULE["name"], defaults=RISK_RULE)


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func, schedule_type, minutes in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": schedule_type, "minutes": minutes, "repeats": -1}
        )


def seed_all(apps, schema_editor):
    seed(apps, schema_editor)
    create_schedules(apps, schema_editor)


def unseed(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[name for name, *_rest in SCHEDULES]).delete()


class Migration(migrations.Migration):
    """The four platforms' order export mappings, the global late-parcel and risky-order rules (seed 000:
    a 5 CNY coupon for a late parcel, shipping insurance for a risky buyer) and the schedules: the late
    sweep every 10 minutes, the risky-order flags every 30, the trace pull hourly."""

    dependencies = [
        ("prevention", "0001_orders_rules_tasks"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(seed_all, unseed)]
