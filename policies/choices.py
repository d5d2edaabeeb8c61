"""Choices of the policy pack, named once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PRIVATE_MESSAGE = "private_message", _("私信")
    PUBLIC_REPLY = "public_reply", _("公开回复/解释")
    SMS = "sms", _("短信")
    PHONE_SCRIPT = "phone_script", _("电话话术")


class TemplateStage(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("首次联系")
    APOLOGY = "apology", _("致歉方案(3S)")
    EVIDENCE_REQUEST = "evidence_request", _("索取凭证")
    RESHIP_NOTICE = "reship_notice", _("补发通知")
    PUBLIC_REPLY = "public_reply", _("公开回复")
    FOLLOW_UP = "follow_up", _("回访")
    SURVEY = "survey", _("满意度调查")


class ComplianceAction(models.TextChoices):
    BLOCK = "block", _("拦截")
    WARN = "warn", _("警告")


class MatchMode(models.TextChoices):
    KEYWORDS = "keywords", _("关键词(任一命中)")
    REGEX = "regex", _("正则表达式")


class ComplianceMatchMode(models.TextChoices):
    """How a compliance rule matches; every kind is matched on the normalised text."""

    KEYWORDS = "keywords", _("关键词(任一命中)")
    REGEX = "regex", _("正则表达式")
    COMBINATION = "combination", _("组合(甲类词与乙类词相距不超过N字)")


class ComplianceCategory(models.TextChoices):
    INDUCEMENT = "inducement", _("利诱好评")
    REVISION_REQUEST = "revision_request", _("要求改评/删评/追评")
    CONDITIONAL_OFFER = "conditional_offer", _("以评价为条件的补偿")
    DIVERSION = "diversion", _("站外引流")
    ABUSE = "abuse", _("辱骂、轻视或威胁买家")
    PERSONAL_DATA = "personal_data", _("公开泄露个人信息")
    OTHER = "other", _("其他")


class SignalKind(models.TextChoices):
    PHRASE = "phrase", _("勒索/敲诈用语")
    SAME_IP = "same_ip", _("同一IP批量差评")
    SAME_BUYER = "same_buyer", _("同一买家多次差评")
    RETURN_RATE = "return_rate", _("退货率异常")


class AmountFormula(models.TextChoices):
    FIXED = "fixed", _("固定金额")
    PERCENT_OF_ORDER = "percent_of_order", _("订单金额的百分比")
    MULTIPLE_OF_SHIPPING = "multiple_of_shipping", _("运费的倍数")
    ORDER_AMOUNT = "order_amount", _("订单全额")
    NONE = "none", _("无金额(非现金)")


class OptionKind(models.TextChoices):
    REFUND = "refund", _("退款")
    RESHIP = "reship", _("补发")
    COUPON = "coupon", _("优惠券")
    RED_PACKET = "red_packet", _("红包")
    SHIPPING_COMPENSATION = "shipping_compensation", _("运费赔付")
    FREE_SHIPPING = "free_shipping", _("免运费")
    GIFT = "gift", _("礼品")
    APOLOGY = "apology", _("道歉")
    DEDICATED_AGENT = "dedicated_agent", _("专属客服")
    TUTORIAL = "tutorial", _("使用教程")
    AFTER_SALES = "after_sales", _("售后指导")
    SUPERVISOR_DECIDES = "supervisor_decides", _("主管决定")


class ExceptionKind(models.TextChoices):
    HOLIDAY = "holiday", _("节假日(不营业)")
    WORKDAY = "workday", _("调休工作日")


class FollowUpEvent(models.TextChoices):
    RESOLVED = "resolved", _("案件解决后")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("周一")
    TUESDAY = 1, _("周二")
    WEDNESDAY = 2, _("周三")
    THURSDAY = 3, _("周四")
    FRIDAY = 4, _("周五")
    SATURDAY = 5, _("周六")
    SUNDAY = 6, _("周日")


class TemplateAudience(models.TextChoices):
    """Which cases a reply template is for: an extorting buyer never gets the apology written for a
    buyer with a real problem, and a real buyer never gets the guarded wording written for extortion."""

    NORMAL = "normal", _("普通案件")
    MALICIOUS = "malicious", _("恶意差评案件")


class TemplateCondition(models.TextChoices):
    """Facts about a case a template may require before it is offered (evaluated by the engine)."""

    CONTACT_ATTEMPTED = "contact_attempted", _("已记录联系买家的尝试")
    OFFER_MADE = "offer_made", _("已向买家提出补偿方案")
    OFFER_ACCEPTED = "offer_accepted", _("买家已接受补偿方案")


class AppealReason(models.TextChoices):
    """Why a review is appealed; each platform names the reason in its own words (AppealChecklist)."""

    EXTORTION = "extortion", _("敲诈勒索(以评价要挟)")
    COMPETITOR = "competitor", _("同行恶意评价")
    ABUSE = "abuse", _("辱骂/人身攻击")
    IRRELEVANT = "irrelevant", _("与商品无关")
    ADVERTISING = "advertising", _("广告/引流")
    PRIVACY = "privacy", _("泄露隐私")
    OTHER = "other", _("其他恶意评价")
