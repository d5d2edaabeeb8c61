"""Knowledge-base demo data (idempotent; ``reviewdesk.hooks.demo_builders``, stage 3: after the cases).

Per demo shop, the manager writes and approves (``article_save``, ``article_publish``: the layer rule,
the SKU pattern and, for a quick reply, the compliance check of every platform) a few articles about the
demo history's products (``insights.demo.ITEMS``: the mug, the hoodie, the earphones) and two quick
replies, for quality and logistics cases: so a demo case about one of them shows its articles and the
replies in the case page's knowledge panel. A shop that has them already is left alone.
"""

from __future__ import annotations

MANAGER = "manager1"

# (kind, title, item id, SKU pattern, issue type code, body)
ARTICLES = [
    (
        "defect",
        "马克杯杯口釉面小气泡：已知缺陷与处理",
        "61000001",
        "",
        "quality",
        "部分批次的**北欧简约陶瓷马克杯**杯口釉面有针尖大小的气泡，不影响使用和安全。\n\n"
        "- 请买家拍一张杯口的近照；\n- 核实后可补发新杯，或按补偿规则给予小额补偿；\n- 在案件备注里记录批次号。",
    ),
    (
        "size",
        "宽松卫衣尺码表",
        "61000003",
        "",
        "",
        "| 尺码 | 身高(cm) | 胸围(cm) | 衣长(cm) |\n|---|---|---|---|\n| M | 165–170 | 112 | 70 |\n"
        "| L | 170–175 | 118 | 72 |\n| XL | 175–180 | 124 | 74 |\n\n版型宽松，介于两个尺码之间建议选小一码。",
    ),
    (
        "care",
        "无线蓝牙耳机：配对与保养",
        "61000006",
        "",
        "",
        "1. 取出耳机，长按充电盒按键 3 秒进入配对模式(指示灯白色闪烁)。\n"
        "2. 手机蓝牙中选择“RD-Buds”连接。\n3. 单边无声：放回充电盒 10 秒后取出重新连接。\n\n"
        "耳机不防水，请勿在淋浴时佩戴；每周用干布清洁耳塞。",
    ),
    (
        "answer",
        "质量问题的标准答复",
        "",
        "",
        "quality",
        "亲，非常抱歉商品让您失望了。麻烦您拍一张问题部位的照片发给我们，我们核实后会第一时间为您补发或处理，"
        "给您添麻烦了。",
    ),
    (
        "answer",
        "物流延迟的标准答复",
        "",
        "",
        "logistics",
        "亲，非常抱歉包裹耽误了。我们已联系快递公司核实包裹位置，有进展会第一时间告诉您，请您放心。",
    ),
]


def build_knowledge_demo(*, shops, users, stdout) -> None:
    from knowledge.models import Article
    from knowledge.services import article_publish, article_save
    from policies.models import IssueType

    manager = users.get(MANAGER)
    if manager is None:
        return
    issue_types = {it.code: it for it in IssueType.objects.filter(code__in=["quality", "logistics"])}
    for shop in shops.values():
        if Article.objects.filter(shop=shop, title=ARTICLES[0][1]).exists():
            continue
        written = 0
        for kind, title, item_id, sku_pattern, issue, body in ARTICLES:
            if issue and issue not in issue_types:
                continue
            article = Article(
                shop=shop,
                kind=kind,
                title=title,
                body=body,
                item_id=item_id,
                sku_pattern=sku_pattern,
                issue_type=issue_types.get(issue),
            )
            article = article_save(article=article, by=manager)
            article_publish(article=article, by=manager)
            written += 1
        stdout.write(f"knowledge demo {shop.code}: {written} articles and quick replies published")


build_knowledge_demo.demo_stage = 3
