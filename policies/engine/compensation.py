"""The compensation matrix: every option of every rule that matches issue type × tier × order amount."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import get_language

from policies.decisions import CompensationOffer, ReviewFacts
from policies.engine.policy import CompensationOptionSpec, CompensationRuleSpec, IssueTypeSpec, Policy
from policies.engine.timing import role_label
from reviewdesk.i18n_text import deferred as _
from reviewdesk.i18n_text import joined, label, named
from reviewdesk.money import quantize_cny

ZERO = Decimal("0.00")
# Options that are money to the buyer: one worth nothing (a shipping compensation on a free-shipping
# order, a refund of an unknown amount) is no offer at all and is left out, with the reason.
CASH_KINDS = frozenset({"refund", "coupon", "red_packet", "shipping_compensation"})


def compensation_options(
    facts: ReviewFacts,
    policy: Policy,
    *,
    issue_type: IssueTypeSpec | None,
    customer_tier: str | None,
    ui_language: str | None = None,
) -> tuple[tuple[CompensationOffer, ...], str]:
    """(offers, reason). A rule matches when its issue type, customer-tier code and amount band are
    empty or match; its options are offered in order (rule priority, then option order). A banded
    rule never matches an unknown order amount. Non-compensable issue types get no offer.

    The answer reads only the issue type, the tier, the order amount and the shipping fee: memoised
    per snapshot on those."""
    if issue_type is None:
        return (), _("没有问题类型，不计算补偿")
    language = ui_language or get_language()
    key = ("compensation", issue_type.id, customer_tier, facts.order_amount, facts.shipping_fee, language)
    return policy.remember(key, lambda: _options(facts, policy, issue_type, customer_tier, language))


def _options(
    facts: ReviewFacts, policy: Policy, issue_type: IssueTypeSpec, customer_tier: str | None, language: str
):
    if not issue_type.compensable:
        return (), _("问题类型“%(name)s”不补偿(恶意差评走证据收集与平台申诉)") % {
            "name": named(issue_type.name, issue_type.name_en)
        }
    offers: list[CompensationOffer] = []
    left_out: list[str] = []
    for rule in policy.compensation_rules:
        if rule.issue_type_id not in (None, issue_type.id):
            continue
        if rule.customer_tier_code not in (None, customer_tier):
            continue
        if not rule.contains(facts.order_amount):
            continue
        for option in rule.options:
            # An offer depends only on the option and the one input its formula reads: memoised.
            key = ("offer", option.id, language, _formula_input(facts, option.formula))
            offer = policy.remember(key, lambda rule=rule, option=option: _offer(facts, rule, option))
            if offer.kind in CASH_KINDS and offer.cost <= ZERO:
                left_out.append(
                    _("“%(name)s”金额为0，不提供(%(why)s)") % {"name": offer.name, "why": offer.reason}
                )
                continue
            offers.append(offer)
    if not offers:
        reason = _("没有匹配的补偿规则")
        return (), joined("；", [reason, *left_out]) if left_out else reason
    rule_ids = tuple(dict.fromkeys(o.rule.id for o in offers))
    reason = policy.remember(("offer-reason", rule_ids, language), lambda: _reason(offers))
    return tuple(offers), joined("；", [reason, *left_out]) if left_out else reason


def _reason(offers) -> str:
    rules = list(dict.fromkeys(o.rule.name for o in offers))
    return _("匹配的补偿规则：%(rules)s；先核实责任，再提供方案") % {"rules": "、".join(rules)}


def offer_value_label(kind: str, amount: Decimal, extra_coupon: Decimal) -> str:
    """The real value of an option in words: its total cost, and what a non-cash part is. Also used for
    offers stored before this label existed (kind, amount and cost are on every stored offer)."""
    from policies.choices import OptionKind

    amount, extra = quantize_cny(amount), quantize_cny(extra_coupon)
    cost = amount + extra
    kind_label = label(OptionKind(kind).label) if kind in OptionKind.values else kind
    if cost <= ZERO:
        return _("非现金：%(kind)s") % {"kind": kind_label}
    if amount > ZERO and extra > ZERO:
        return _("¥%(cost)s(%(kind)s%(amount)s元 + %(coupon)s元优惠券)") % {
            "cost": cost,
            "kind": kind_label,
            "amount": amount,
            "coupon": extra,
        }
    if extra > ZERO:
        return _("¥%(cost)s(%(kind)s + %(coupon)s元优惠券)") % {
            "cost": cost,
            "kind": kind_label,
            "coupon": extra,
        }
    if kind in CASH_KINDS:
        return f"¥{cost}"
    return _("¥%(cost)s(%(kind)s)") % {"cost": cost, "kind": kind_label}


def _formula_input(facts: ReviewFacts, formula: str):
    if formula == "multiple_of_shipping":
        return facts.shipping_fee
    if formula in ("percent_of_order", "order_amount"):
        return facts.order_amount
    return None


def _offer(
    facts: ReviewFacts, rule: CompensationRuleSpec, option: CompensationOptionSpec
) -> CompensationOffer:
    amount, how = _amount(facts, option)
    extra = quantize_cny(option.extra_coupon)
    notes = [how]
    cap = option.cost_cap
    if option.clamp_to_cap and cap is not None and amount + extra > cap:
        amount = max(quantize_cny(cap) - extra, ZERO)
        notes.append(_("按上限封顶为%(cap)s元") % {"cap": quantize_cny(cap)})
    cost = amount + extra
    if extra:
        notes.append(_("另加%(coupon)s元优惠券") % {"coupon": extra})
    over_cap = cap is not None and cost > cap
    requires_approval = option.always_requires_approval or over_cap
    if option.always_requires_approval:
        notes.append(_("总是需要%(role)s审批") % {"role": role_label(option.approval_role)})
    elif over_cap:
        notes.append(
            _("成本%(cost)s元超过上限%(cap)s元，需%(role)s审批")
            % {"cost": cost, "cap": quantize_cny(cap), "role": role_label(option.approval_role)}
        )
    if rule.banded:
        notes.insert(0, _("订单金额落在区间%(band)s") % {"band": rule.band_label})
    return CompensationOffer(
        option_id=option.id,
        rule=rule.ref,
        name=option.name,
        kind=option.kind,
        amount=amount,
        extra_coupon=extra,
        cost=cost,
        requires_approval=requires_approval,
        approval_role=option.approval_role if requires_approval else "",
        expected_acceptance=option.expected_acceptance,
        reason=_("规则“%(rule)s”：%(notes)s")
        % {"rule": rule.name, "notes": joined("；", (n for n in notes if n))},
        value_label=offer_value_label(option.kind, amount, extra),
    )


def _amount(facts: ReviewFacts, option: CompensationOptionSpec) -> tuple[Decimal, str]:
    formula, value = option.formula, option.value
    if formula == "fixed":
        return quantize_cny(value), _("固定%(amount)s元") % {"amount": quantize_cny(value)}
    if formula == "none":
        return ZERO, _("非现金方案")
    if formula == "multiple_of_shipping":
        if facts.shipping_fee is None:
            return ZERO, _("运费未知")
        amount = quantize_cny(facts.shipping_fee * value)
        return amount, _("运费%(fee)s元 × %(times)s = %(amount)s元") % {
            "fee": quantize_cny(facts.shipping_fee),
            "times": _trim(value),
            "amount": amount,
        }
    if facts.order_amount is None:
        return ZERO, _("订单金额未知")
    if formula == "percent_of_order":
        amount = quantize_cny(facts.order_amount * value / 100)
        return amount, _("订单金额%(order)s元 × %(percent)s%% = %(amount)s元") % {
            "order": quantize_cny(facts.order_amount),
            "percent": _trim(value),
            "amount": amount,
        }
    amount = quantize_cny(facts.order_amount)  # order_amount
    return amount, _("订单全额%(amount)s元") % {"amount": amount}


def _trim(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
