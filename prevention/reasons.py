"""An after-sale's reason in one of a few categories (质量问题, 尺码不合适, 与描述不符, 物流问题,
不想要了/七天无理由, 其他), read from the words the platform or the export gives (淘宝's refund reasons
are a fixed list the buyer picks from; 抖店 and 京东 exports carry similar words).

``KEYWORDS`` is the data: the first category one of whose words the reason contains wins, so a size that
does not match the description ("大小/尺寸与商品描述不符") counts as size, and damage in transit
("收到商品破损") as quality, whatever else it says. A reason none matches is 其他; no reason is no category.
"""

from __future__ import annotations

from prevention.choices import ReturnReason

KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (ReturnReason.SIZE, ("尺码", "尺寸", "大小", "偏大", "偏小", "码数", "不合身")),
    (
        ReturnReason.QUALITY,
        ("质量", "破损", "损坏", "瑕疵", "做工", "故障", "维修", "假冒", "假货", "污渍", "开线", "变形"),
    ),
    (
        ReturnReason.NOT_AS_DESCRIBED,
        ("与描述不符", "与商品描述", "描述不符", "颜色", "图片不符", "材质", "发错", "错发", "少件", "漏发"),
    ),
    (
        ReturnReason.LOGISTICS,
        ("物流", "快递", "未收到", "没收到", "未送达", "延迟发货", "未按约定时间发货", "发货慢", "配送"),
    ),
    (
        ReturnReason.CHANGED_MIND,
        ("七天无理由", "7天无理由", "不想要", "拍错", "多拍", "不喜欢", "买多了", "改变主意", "无理由"),
    ),
)


def reason_kind(reason: str) -> str:
    """The category of ``reason`` (a ``ReturnReason`` value), "" when there is no reason."""
    text = (reason or "").strip()
    if not text:
        return ""
    for kind, words in KEYWORDS:
        if any(word in text for word in words):
            return kind
    return ReturnReason.OTHER
