"""The default policy pack of docs/product.md (seeds 000, 001, 002) as plain data.

``seed_policies`` creates each row that does not exist yet (by its natural key) and never touches a
row that does, so a manager's edits survive every later run. Every number here is a default a
manager may edit; the engine hard-codes none of it.

Notes on choices the seeds leave open:
* Seed 000's "方便的话能否帮忙更新评价" step is the review-revision request Taobao/Tmall forbid: it is
  seeded as an INACTIVE template used by a follow-up step marked ``asks_for_revision`` (skipped on
  platforms that forbid asking). Its "好评大使" coupon is not seeded at all (it buys good reviews).
* Amounts the seeds do not give (the service / misunderstanding / new-customer coupons) are 5 CNY,
  the seeds' smallest coupon; managers tune them.
"""

from policies.compliance.default_rules import COMPLIANCE_RULES as DEFAULT_COMPLIANCE_RULES

# Platform rules (docs/product.md "Platform rules the product must respect").
PLATFORM_RULES = [
    {
        "platform": "taobao",
        "revision_allowed": True,
        "revision_max_count": 1,
        "revision_window_days": 30,
        "revision_note": "可修改一次，改为好评或删除",
        "reply_allowed": True,
        "reply_window_days": 30,
        "reply_max_chars": 500,
        "reply_closed_after_append": True,
        "appeal_allowed": True,
        "appeal_window_days": 30,
        "may_request_revision": False,
    },
    {
        "platform": "tmall",
        "revision_allowed": False,
        "revision_note": "天猫买家不可修改中差评",
        "reply_allowed": True,
        "reply_window_days": 30,
        "reply_max_chars": 500,
        "reply_closed_after_append": True,
        "appeal_allowed": True,
        "appeal_window_days": 30,
        "may_request_revision": False,
    },
    {
        "platform": "douyin",
        "revision_allowed": True,
        "revision_max_count": 1,
        "revision_window_days": 30,
        "revision_note": "首评后30天内可修改评分",
        "reply_allowed": True,
        "reply_window_days": 90,
        "reply_once": True,
        "appeal_allowed": True,
        "appeal_window_days": 30,
        "may_request_revision": True,
    },
    {
        "platform": "jd",
        "revision_allowed": True,
        "revision_max_count": 1,
        "revision_window_days": 30,
        "revision_note": "30天内可删除评价",
        "reply_allowed": True,
        "appeal_allowed": True,
        "appeal_window_days": 30,
        "may_request_revision": True,
    },
    {
        "platform": "pdd",
        "revision_allowed": False,
        "revision_note": "拼多多买家不可修改评价",
        "reply_allowed": True,
        # Pinduoduo's merchant back office reports (举报) a violating review; it publishes no window:
        # 30 days like the other platforms, for the manager to adjust.
        "appeal_allowed": True,
        "appeal_window_days": 30,
        "may_request_revision": False,
    },
]

ISSUE_TYPES = [
    {
        "code": "logistics",
        "name": "物流延误/包裹破损",
        "name_en": "Logistics delay / parcel damage",
        "buyer_label": "物流配送的问题",
        "sort_order": 10,
    },
    {
        "code": "quality",
        "name": "产品质量",
        "name_en": "Product quality",
        "buyer_label": "商品质量的问题",
        "sort_order": 20,
    },
    # No buyer label: {issue} says "您反馈的问题", never "恶意差评".
    {
        "code": "malicious",
        "name": "恶意差评",
        "name_en": "Malicious review",
        "is_malicious": True,
        "compensable": False,
        "sort_order": 30,
    },
    {
        "code": "service",
        "name": "服务态度",
        "name_en": "Service attitude",
        "buyer_label": "客服服务的问题",
        "sort_order": 40,
    },
    {
        "code": "misunderstanding",
        "name": "买家误解",
        "name_en": "Buyer misunderstanding",
        "buyer_label": "商品使用上的疑问",
        "sort_order": 50,
    },
    {"code": "other", "name": "其他", "name_en": "Other", "is_fallback": True, "sort_order": 90},
]

# Natural key: name (global scope). "issue_type" is an issue-type code.
CLASSIFICATION_RULES = [
    {
        "name": "差评/投诉关键词开案",
        "issue_type": None,
        "opens_case": True,
        "priority": 1,
        "patterns": "差评\n投诉\n12315\n举报",
    },
    {
        "name": "产品质量关键词",
        "issue_type": "quality",
        "priority": 10,
        "patterns": "质量\n做工\n瑕疵\n商品破损\n掉色\n开线\n起球\n色差\n尺码不符\n尺寸不符\n假货\n漏发\n异味\n用不了\n不能用\n故障",
    },
    {
        "name": "物流关键词",
        "issue_type": "logistics",
        "priority": 20,
        "patterns": "物流\n快递\n发货慢\n太慢\n延误\n还没到\n没收到\n迟迟\n包裹破损\n外包装\n压坏\n丢件\n配送",
    },
    {
        "name": "服务态度关键词",
        "issue_type": "service",
        "priority": 30,
        "patterns": "态度\n不理人\n不回复\n客服\n敷衍\n推卸\n爱答不理",
    },
    {
        "name": "买家误解关键词",
        "issue_type": "misunderstanding",
        "priority": 40,
        "patterns": "不会用\n用法\n说明书\n看不懂\n不知道怎么\n安装不上\n和想象的不一样",
    },
]

MALICIOUS_SIGNALS = [
    {
        "name": "勒索/敲诈用语",
        "kind": "phrase",
        "match_mode": "regex",
        "patterns": "返现\n删评\n给钱\n不给.{0,12}就.{0,4}差评\n不赔.{0,12}就.{0,4}差评\n(给|赔|转).{0,6}(钱|红包).{0,10}(删|改)\n加钱.{0,6}(删|改)",
    },
    {"name": "同一IP批量差评", "kind": "same_ip", "threshold": "3", "window_days": 7},
    {"name": "同一买家多次差评", "kind": "same_buyer", "threshold": "3", "window_days": 30},
    {"name": "退货率异常", "kind": "return_rate", "threshold": "50"},
]

CALENDAR = {"name": "默认营业日历", "timezone": "Asia/Shanghai", "opens": "08:00", "closes": "00:00"}

# Natural key: issue type code (None = fallback tier).
SLA_TIERS = [
    {
        "issue_type": "logistics",
        "name": "物流延误(2小时)",
        "name_en": "Logistics delay (2 hours)",
        "first_response_minutes": 120,
        "handling_role": "agent",
        "escalation_role": "supervisor",
    },
    {
        "issue_type": "quality",
        "name": "产品质量(4小时)",
        "name_en": "Product quality (4 hours)",
        "first_response_minutes": 240,
        "handling_role": "supervisor",
        "escalation_role": "manager",
    },
    {
        "issue_type": "malicious",
        "name": "恶意差评(1小时)",
        "name_en": "Malicious review (1 hour)",
        "first_response_minutes": 60,
        "handling_role": "legal",
        "escalation_role": "manager",
    },
    {
        "issue_type": None,
        "name": "其他(24小时)",
        "name_en": "Other (24 hours)",
        "first_response_minutes": 1440,
        "handling_role": "agent",
        "escalation_role": "supervisor",
    },
]
SLA_COMMON = {
    "next_response_minutes": 180,
    "public_reply_minutes": 1440,
    "resolution_minutes": 2880,
    "warn_at_percent": 80,
}

CUSTOMER_TIERS = [
    {
        "code": "vip",
        "name": "高价值客户(VIP)",
        "name_en": "High-value customer (VIP)",
        "min_annual_spend": "1000",
        "priority": 10,
    },
    {"code": "new", "name": "新客户", "name_en": "New customer", "max_order_count": 1, "priority": 20},
    {
        "code": "silent",
        "name": "沉默客户",
        "name_en": "Silent customer",
        "min_days_since_last_order": 180,
        "priority": 30,
    },
    {"code": "ordinary", "name": "普通客户", "name_en": "Ordinary customer", "priority": 100},
]


def _opt(name, kind, formula="none", value="0", **extra):
    return {"name": name, "kind": kind, "formula": formula, "value": value, **extra}


# Natural key: name (global scope). issue_type / customer_tier are codes.
COMPENSATION_RULES = [
    {
        "name": "按订单金额：≤100元",
        "amount_up_to": "100",
        "priority": 50,
        "note": "正常差评按客单价匹配",
        "options": [_opt("退款 + 5元优惠券", "refund", "order_amount", extra_coupon="5")],
    },
    {
        "name": "按订单金额：100–300元",
        "amount_above": "100",
        "amount_up_to": "300",
        "priority": 50,
        "note": "正常差评按客单价匹配",
        "options": [_opt("补发 + 10元优惠券", "reship", extra_coupon="10")],
    },
    {
        "name": "按订单金额：300元以上",
        "amount_above": "300",
        "priority": 50,
        "note": "超过300元由主管决定",
        "options": [
            _opt(
                "主管决定补偿方案",
                "supervisor_decides",
                always_requires_approval=True,
                approval_role="supervisor",
            )
        ],
    },
    {
        "name": "产品质量/破损方案",
        "issue_type": "quality",
        "priority": 20,
        "note": "80%买家同意修改评价或追加好评",
        "options": [
            _opt("无理由补发(顺丰包邮，48小时内发货)", "reship", expected_acceptance=80),
            _opt(
                "全额退款，商品无需退回",
                "refund",
                "order_amount",
                cost_cap="300",
                approval_role="supervisor",
                expected_acceptance=80,
            ),
            _opt("补发 + 10元优惠券", "reship", extra_coupon="10", expected_acceptance=80),
            _opt("色差无质量问题：5–10元红包代替退货", "red_packet", "fixed", "5", cost_cap="10"),
        ],
    },
    {
        "name": "物流延误/包裹破损方案",
        "issue_type": "logistics",
        "priority": 20,
        "note": "75%买家接受补偿",
        "options": [
            _opt(
                "赔偿运费(订单运费的1.5倍)",
                "shipping_compensation",
                "multiple_of_shipping",
                "1.5",
                expected_acceptance=75,
            ),
            _opt(
                "无门槛优惠券(面值≥订单金额10%)", "coupon", "percent_of_order", "10", expected_acceptance=75
            ),
            _opt("下次下单免运费", "free_shipping", expected_acceptance=75),
            _opt("延迟订单自动补偿5元券", "coupon", "fixed", "5"),
        ],
    },
    {
        "name": "服务态度方案",
        "issue_type": "service",
        "priority": 20,
        "note": "90%买家消除不满",
        "options": [
            _opt("官方道歉(私信 + 评价回复)", "apology", expected_acceptance=90),
            _opt("专属客服(后续订单优先对接)", "dedicated_agent", expected_acceptance=90),
            _opt("优惠券补偿", "coupon", "fixed", "5", expected_acceptance=90),
        ],
    },
    {
        "name": "买家误解方案",
        "issue_type": "misunderstanding",
        "priority": 20,
        "note": "60%买家理解并修改评价",
        "options": [
            _opt("详细讲解商品用法(图文/视频教程)", "tutorial", expected_acceptance=60),
            _opt("售后指导(不适合可免费退换)", "after_sales", expected_acceptance=60),
            _opt("小额优惠券安抚", "coupon", "fixed", "5", expected_acceptance=60),
        ],
    },
    {
        "name": "VIP专属礼包",
        "customer_tier": "vip",
        "priority": 10,
        "note": "年消费≥1000元，礼包成本≤30元",
        "options": [_opt("VIP专属礼包", "gift", "fixed", "30", cost_cap="30", clamp_to_cap=True)],
    },
    {
        "name": "新客户优惠券",
        "customer_tier": "new",
        "priority": 10,
        "note": "优先优惠券补偿，短信引导复购",
        "options": [_opt("新客优惠券 + 复购短信", "coupon", "fixed", "5")],
    },
    {
        "name": "沉默客户道歉卡",
        "customer_tier": "silent",
        "priority": 10,
        "note": "手写道歉卡 + 小额赠品≤15元",
        "options": [_opt("手写道歉卡 + 小额赠品", "gift", "fixed", "15", cost_cap="15", clamp_to_cap=True)],
    },
]

# Natural key: name (global scope).
TEMPLATES = [
    {
        "name": "首次私信",
        "channel": "private_message",
        "stage": "first_contact",
        "source": "默认话术：私信模板",
        "body": "亲~看到您对订单【{order_no}】给出的评价啦，非常抱歉给您带来不好的体验！关于您提到的{issue}，"
        "我们想第一时间为您解决，方便告知具体情况吗？我们会给出满意方案，绝不推诿~",
    },
    {
        "name": "公开回复",
        "channel": "public_reply",
        "stage": "public_reply",
        "source": "默认话术：评价回复模板",
        "conditions": "contact_attempted",  # it says we tried to contact the buyer
        "body": "亲~非常抱歉给您带来不佳体验！关于您提到的{issue}，我们已核查并多次尝试联系您沟通解决方案，但暂未收到回复。"
        "我们始终重视每一位买家的体验，若您仍有不满，可随时私信我们，我们会全力为您解决，感谢您的监督与建议~",
    },
    {
        "name": "公开回复(致歉说明)",
        "channel": "public_reply",
        "stage": "public_reply",
        "source": "默认话术：评价回复模板",
        "body": "亲~非常抱歉给您带来不佳体验！关于您提到的{issue}，我们已第一时间核查，会尽快为您解决。"
        "若您还有任何不满，可随时私信我们，感谢您的监督与建议~",
    },
    {
        "name": "3S致歉",
        "channel": "private_message",
        "stage": "apology",
        "source": "默认话术：3S致歉",
        "conditions": "offer_made",  # it names the compensation offered
        "body": "亲，看到评价我们深感抱歉！已为您准备了{compensation}的解决方案，今天内为您处理完毕！",
    },
    {
        "name": "索取凭证",
        "channel": "private_message",
        "stage": "evidence_request",
        "source": "默认话术：质量问题",
        "body": "亲，非常抱歉！麻烦您提供一下商品瑕疵照片/视频，我们核实后会为您补发/退款，请您放心~",
    },
    {
        "name": "补发通知",
        "channel": "private_message",
        "stage": "reship_notice",
        "source": "默认话术：售后关怀",
        "body": "亲，您的补发商品已发出，快递单号是{tracking_no}，预计{eta_days}天后送达，收到后请检查一下哦~",
    },
    {
        "name": "问题解决确认(24小时回访)",
        "channel": "private_message",
        "stage": "follow_up",
        "source": "默认话术：评价引导(合规改写)",
        "body": "亲~您反馈的{issue}已经为您处理好了，请问现在使用还满意吗？如有任何问题，随时私信我们~",
    },
    {
        "name": "评价更新指引(淘宝/天猫禁用)",
        "channel": "private_message",
        "stage": "follow_up",
        "active": False,
        "source": "默认话术：评价引导",
        "body": "亲~您反馈的{issue}已经为您处理好了，方便的话能否帮忙更新评价？我们可以提供操作视频指导",
    },
    {
        "name": "3天关怀短信",
        "channel": "sms",
        "stage": "follow_up",
        "source": "默认话术：二次触达",
        "body": "亲，感谢您对{shop_name}的支持！为您送上一张{coupon_amount}元专属优惠券，欢迎再次光临~",
    },
    {
        "name": "30天白银会员升级",
        "channel": "sms",
        "stage": "follow_up",
        "source": "默认话术：客户培育计划",
        "body": "感恩您曾给予的建议，今日起您的账户升级为{member_level}，享专属折扣；另赠复购券{coupon_amount}元，"
        "{coupon_valid_months}个月内复购可叠加使用~",
    },
    {
        "name": "满意度调查",
        "channel": "private_message",
        "stage": "survey",
        "source": "默认话术：售后满意度调查",
        "body": "亲，您对本次售后处理满意吗？请回复1-5分(5分为非常满意)，您的反馈会帮助我们做得更好~",
    },
    # Malicious cases (extortion, a competitor's attack …) get their own set: factual, no apology for a
    # fault nobody has shown, no compensation, the platform's after-sales channel as the only way.
    {
        "name": "恶意差评：首次私信",
        "channel": "private_message",
        "stage": "first_contact",
        "audience": "malicious",
        "source": "恶意差评处理(法务审定)",
        "body": "您好，我们已收到您对订单【{order_no}】的评价。如商品确有问题，请通过平台订单页面提交售后申请并上传凭证，"
        "我们会按平台规则认真核实处理。",
    },
    {
        "name": "恶意差评：索取凭证",
        "channel": "private_message",
        "stage": "evidence_request",
        "audience": "malicious",
        "source": "恶意差评处理(法务审定)",
        "body": "您好，为便于核实，请通过平台订单页面提交商品问题的照片或视频，平台与我们核实后会按规则处理。",
    },
    {
        "name": "恶意差评：公开说明",
        "channel": "public_reply",
        "stage": "public_reply",
        "audience": "malicious",
        "source": "恶意差评处理(法务审定)",
        "body": "感谢您的反馈。本店商品均经检验后发出，如商品确有问题，欢迎通过平台售后渠道联系我们，我们会按平台规则处理。",
    },
    {
        "name": "恶意差评：公开说明(已尝试联系)",
        "channel": "public_reply",
        "stage": "public_reply",
        "audience": "malicious",
        "conditions": "contact_attempted",
        "source": "恶意差评处理(法务审定)",
        "body": "感谢您的反馈。针对该订单我们已主动联系您核实情况，暂未收到具体的问题说明。本店商品均经检验后发出，"
        "如确有问题，欢迎通过平台售后渠道联系我们，我们会按平台规则处理。",
    },
]

# Natural key: name (global scope). One group per category (inducement, conditional offers, revision
# requests, diversion, abuse, personal data), each citing its platform rule, with per-platform actions.
COMPLIANCE_RULES = DEFAULT_COMPLIANCE_RULES

FOLLOW_UP_PLAN = {
    "name": "解决后回访",
    "event": "resolved",
    "steps": [
        {"name": "满意度调查(1–5分)", "offset_minutes": 60, "template": "满意度调查"},
        {
            "name": "24小时回访：评价更新指引",
            "offset_minutes": 1440,
            "template": "评价更新指引(淘宝/天猫禁用)",
            "asks_for_revision": True,
            "instructions": "仅在平台允许请买家修改评价时执行，且不得附带任何利益。",
        },
        {
            "name": "3天关怀短信 + 专属优惠券",
            "offset_minutes": 4320,
            "channel": "sms",
            "template": "3天关怀短信",
        },
        {
            "name": "30天白银会员升级 + 复购券(3个月有效)",
            "offset_minutes": 43200,
            "channel": "sms",
            "template": "30天白银会员升级",
        },
    ],
}

# One checklist per platform × reason: each reason asks for the evidence that proves IT (an extortion
# appeal needs the chat with the demand, not the IP data of a batch of reviews). Reasons and labels follow
# what the platforms' merchant back offices offer (违规/不合理评价申诉, 拼多多评价举报); evidence names are
# what legal uploads. Editable: check the wording against the back office before relying on it.
_REVIEW_SHOT = "评价页面截图(含评价内容与订单号)"
_SAME_BATCH = "同一IP批量差评的后台数据"


def _appeals(platform, reasons, **limits):
    return [
        {"platform": platform, "reason": code, "reason_label": label, "evidence_required": evidence}
        | {"note": note, **limits}
        for code, label, evidence, note in reasons
    ]


_TAOBAO_REASONS = [
    (
        "extortion",
        "买家利用评价要挟/敲诈",
        "完整旺旺聊天截图",
        "截图须完整，能看到买家以差评索要返现、赔偿等利益的内容；无需同一IP等其他理由的证据。",
    ),
    ("competitor", "同行恶意评价", _SAME_BATCH + "\n买家为同行的凭证(店铺信息或批量下单记录)", ""),
    ("abuse", "评价含辱骂/污言秽语", _REVIEW_SHOT, ""),
    ("advertising", "评价含广告信息", _REVIEW_SHOT, ""),
    ("irrelevant", "评价内容与商品无关", _REVIEW_SHOT, ""),
    ("privacy", "评价泄露他人信息", _REVIEW_SHOT, ""),
]

APPEAL_CHECKLISTS = [
    *_appeals("taobao", _TAOBAO_REASONS),
    *_appeals("tmall", _TAOBAO_REASONS),
    *_appeals(
        "douyin",
        [
            ("extortion", "利用评价要挟", "飞鸽聊天记录\n通话录音", "飞鸽聊天记录 + 通话录音。"),
            ("competitor", "同行竞争", "飞鸽聊天记录\n买家为同行的凭证(店铺信息或批量下单记录)", ""),
            ("abuse", "辱骂/人身攻击", _REVIEW_SHOT, ""),
            ("advertising", "广告/引流", _REVIEW_SHOT, ""),
            ("irrelevant", "与商品无关", _REVIEW_SHOT, ""),
        ],
        max_images=6,
        description_max_chars=100,
    ),
    *_appeals(
        "jd",
        [
            ("extortion", "恶意差评(以评价要挟)", "咚咚聊天截图", "京东每条评价只能申诉一次。"),
            ("competitor", "同行恶意评价", "咚咚聊天截图\n买家为同行的凭证(店铺信息或批量下单记录)", ""),
            ("abuse", "辱骂/不文明用语", _REVIEW_SHOT, ""),
            ("advertising", "广告信息", _REVIEW_SHOT, ""),
            ("irrelevant", "与商品无关", _REVIEW_SHOT, ""),
        ],
        once_per_review=True,
    ),
    *_appeals(
        "pdd",
        [
            (
                "extortion",
                "敲诈勒索",
                "拼多多客服聊天记录截图",
                "在商家后台评价管理中举报该评价；截图须能看到买家以差评索要利益的内容。",
            ),
            ("abuse", "辱骂/不文明用语", _REVIEW_SHOT, ""),
            ("advertising", "广告/引流", _REVIEW_SHOT, ""),
            ("irrelevant", "与商品无关", _REVIEW_SHOT, ""),
            ("privacy", "泄露隐私", _REVIEW_SHOT, ""),
        ],
    ),
]

CONTACT_LIMITS = [
    {
        "platform": "",
        "max_attempts_per_case": 3,
        "min_minutes_between": 60,
        "quiet_start": "22:00",
        "quiet_end": "08:00",
    },
]
