"""``python manage.py policy_explain``: what the active policy decides about one review, and why.

    python manage.py policy_explain --platform taobao --rating bad --text "物流太慢" --amount 250 \\
        --shipping-fee 12 --annual-spend 0 [--at 2026-11-20T23:30:00+08:00] [--shop CODE | --client CODE] [--json]

The explanation ends with the layer that decided each rule (全局, 品牌方 X, 店铺 Y: a shop's rules are
its own overrides over its client's layer over the global defaults). ``--json`` prints one JSON
object: money as strings with two decimals ("18.00"), times in ISO 8601 with +08:00, and each of
``rule_refs`` with its ``layer`` and ``layer_code``.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from policies.decisions import RATING_LEVELS, ReviewFacts
from policies.engine import decide, decision_to_dict, explain
from policies.layers import decided_by
from policies.loader import load_policy
from reviewdesk.choices import Platform
from reviewdesk.models import Client, Shop
from reviewdesk.money import quantize_cny

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def parse_rating(value: str) -> int:
    text = (value or "").strip()
    if text.lower() in RATING_LEVELS:
        return RATING_LEVELS[text.lower()]
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    raise CommandError(
        _("评分“%(value)s”无效：请填 good/neutral/bad、好评/中评/差评 或 1–5。") % {"value": value}
    )


def parse_money(value: str | None, option: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise CommandError(_("%(option)s“%(value)s”不是有效金额。") % {"option": option, "value": value})
    if not amount.is_finite() or amount < 0:
        raise CommandError(_("%(option)s不能为负数。") % {"option": option})
    return quantize_cny(amount)


def parse_moment(value: str | None, option: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(option)s“%(value)s”不是有效时间，例如 2026-11-20T23:30:00+08:00。")
            % {"option": option, "value": value}
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def parse_count(value: str | None, option: str) -> int | None:
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise CommandError(_("%(option)s必须是非负整数。") % {"option": option})
    return int(value)


class Command(BaseCommand):
    help = "按当前启用的规则解释一条评价会得到的决定(问题类型、信号、时效、补偿、模板及合规检查)。"

    def add_arguments(self, parser):
        parser.add_argument("--platform", help="平台：" + ", ".join(Platform.values))
        parser.add_argument("--rating", help="评分：good/neutral/bad、好评/中评/差评 或 1–5")
        parser.add_argument("--text", default="", help="评价内容")
        parser.add_argument("--appended-text", default="", help="追评内容")
        parser.add_argument("--amount", help="订单金额(元)")
        parser.add_argument("--shipping-fee", help="运费(元)")
        parser.add_argument("--annual-spend", help="买家年消费(元)")
        parser.add_argument("--order-count", help="买家历史订单数")
        parser.add_argument("--days-since-last-order", help="距上次下单天数")
        parser.add_argument("--at", help="评价进入系统的时间(ISO 8601)，默认现在")
        parser.add_argument("--reviewed-at", help="买家写评价的时间(ISO 8601)，默认同 --at")
        parser.add_argument("--shop", help="店铺代码(使用该店铺及其品牌方的覆盖规则)")
        parser.add_argument("--client", help="品牌方代码(不指定店铺时，使用该品牌方层的规则)")
        parser.add_argument("--language", default="zh-hans", help="说明语言：zh-hans 或 en")
        parser.add_argument("--json", action="store_true", help="输出一个 JSON 对象")

    def handle(self, *args, **options):
        shop = None
        if options["shop"]:
            shop = Shop.objects.filter(code=options["shop"]).select_related("client").first()
            if shop is None:
                raise CommandError(_("店铺代码“%(code)s”不存在。") % {"code": options["shop"]})
        client = None
        if options.get("client"):
            if shop is not None:
                raise CommandError(_("--shop 和 --client 只能指定其一：店铺已包含其品牌方的规则。"))
            client = Client.objects.filter(code=options["client"]).first()
            if client is None:
                raise CommandError(_("品牌方代码“%(code)s”不存在。") % {"code": options["client"]})
        platform = options["platform"] or (shop.platform if shop else None)
        if not platform:
            raise CommandError(
                _("请用 --platform 指定平台(%(known)s)。") % {"known": ", ".join(Platform.values)}
            )
        if platform not in Platform.values:
            raise CommandError(
                _("未知平台“%(platform)s”，可用：%(known)s。")
                % {"platform": platform, "known": ", ".join(Platform.values)}
            )
        if shop is not None and shop.platform != platform:
            raise CommandError(
                _("店铺“%(code)s”在%(shop_platform)s，与 --platform %(platform)s 不一致。")
                % {"code": shop.code, "shop_platform": shop.get_platform_display(), "platform": platform}
            )
        if not options["rating"]:
            raise CommandError(_("请用 --rating 指定评分(good/neutral/bad、好评/中评/差评 或 1–5)。"))
        received_at = parse_moment(options["at"], "--at") or timezone.now().astimezone(SHANGHAI)
        facts = ReviewFacts(
            platform=platform,
            rating=parse_rating(options["rating"]),
            text=options["text"] or "",
            appended_text=options["appended_text"] or "",
            received_at=received_at,
            reviewed_at=parse_moment(options["reviewed_at"], "--reviewed-at") or received_at,
            order_amount=parse_money(options["amount"], "--amount"),
            shipping_fee=parse_money(options["shipping_fee"], "--shipping-fee"),
            annual_spend=parse_money(options["annual_spend"], "--annual-spend"),
            order_count=parse_count(options["order_count"], "--order-count"),
            days_since_last_order=parse_count(options["days_since_last_order"], "--days-since-last-order"),
            shop_id=shop.pk if shop else None,
        )
        policy = load_policy(shop=shop, platform=platform, client=client)
        decision = decide(facts, policy)
        layers = decided_by(policy, shop, client)
        if options["json"]:
            self.stdout.write(json.dumps(decision_to_dict(decision, layers), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(explain(decision, language=options["language"], layers=layers))
