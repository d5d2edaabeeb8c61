"""Macros (``policies.models.Macro``): a reply template plus an optional compensation, applied in one step.

Applying one (``case_apply_macro``)

1. renders the macro's template for the case and checks it with the one compliance checker: a blocking
   finding refuses the macro before anything is written;
2. offers the compensation it names through the offer service (``case_offer``), choosing the case's
   option of that type and amount from the compensation matrix: one the matrix does not give this case
   is refused with the offer service's own refusal, one above its cap becomes an approval request;
3. returns the template rendered again (now with the offer in its placeholders) as a *draft* for the
   composer of the template's channel. Nothing is posted: the agent reads, edits and sends it, and that
   send passes the compliance check again.

Which macros a case sees: the active ones of its layers (global, its shop's client, its shop), the more
specific layer's macro replacing a less specific one of the same name. They are cached per process and
revalidated by the policy stamp the page reads anyway (``load_policy``), so the case page pays no query
for them once warm (the macro table's trigger bumps the stamp, migration ``policies.0012_macros``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from cases.choices import WorkflowAction as A
from cases.errors import WorkflowError as E
from cases.models import Case
from cases.workflow.compose import check_reply, policy_for, reply_context
from cases.workflow.core import case_to_act_on, refuse
from cases.workflow.offers import case_offer
from cases.workflow.table import explain_refusal
from policies.choices import Channel, OptionKind

_cache: dict[tuple, tuple] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class MacroRow:
    id: int
    name: str
    template_id: int
    template_name: str
    channel: str
    compensation_kind: str
    compensation_amount: Decimal | None
    layer: int  # 0 global, 1 the client's, 2 the shop's

    @property
    def compensation_label(self) -> str:
        if not self.compensation_kind:
            return ""
        kind = str(OptionKind(self.compensation_kind).label)
        if self.compensation_amount is None:
            return kind
        return _("%(kind)s %(amount)s元") % {"kind": kind, "amount": f"{self.compensation_amount:.2f}"}


@dataclass(frozen=True)
class MacroDraft:
    """What applying a macro leaves for the composer: the action whose composer takes it, the text."""

    case: Case
    macro: MacroRow
    action: str  # public_reply or record_contact
    channel: str
    text: str
    template_id: int
    offered: bool  # an offer (or an approval request) was made
    needs_approval: bool


def macros_for(case: Case, policy=None) -> tuple[MacroRow, ...]:
    """The macros of the case's layers, most specific per name, in their sort order (no query once warm)."""
    policy = policy or policy_for(case)
    shop = case.shop
    key = (shop.pk, shop.client_id)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == policy.stamp:
        return cached[1]
    rows = _load(shop_id=shop.pk, client_id=shop.client_id)
    with _lock:
        _cache[key] = (policy.stamp, rows)
    return rows


def clear_macro_cache() -> None:
    with _lock:
        _cache.clear()


def _load(*, shop_id: int, client_id: int | None) -> tuple[MacroRow, ...]:
    from policies.models import Macro

    layers = Q(shop__isnull=True, client__isnull=True) | Q(shop_id=shop_id)
    if client_id is not None:
        layers |= Q(client_id=client_id)
    query = (
        Macro.objects.filter(layers, active=True, reply_template__active=True)
        .order_by()
        .values_list(
            "pk",
            "name",
            "reply_template_id",
            "reply_template__name",
            "reply_template__channel",
            "compensation_kind",
            "compensation_amount",
            "shop_id",
            "client_id",
            "sort_order",
        )
    )
    best: dict[str, tuple] = {}
    for pk, name, tpl, tpl_name, channel, kind, amount, shop, client, order in query:
        layer = 2 if shop else 1 if client else 0
        row = MacroRow(pk, name, tpl, tpl_name, channel, kind, amount, layer)
        if name not in best or layer > best[name][1].layer:
            best[name] = (order, row)
    return tuple(row for _order, row in sorted(best.values(), key=lambda pair: (pair[0], pair[1].name)))


def composer_action(channel: str) -> str:
    """The composer a template's text goes into: the public reply's, or the contact's (private message,
    SMS, a phone call's script)."""
    return str(A.PUBLIC_REPLY) if channel == Channel.PUBLIC_REPLY else str(A.RECORD_CONTACT)


def _render(case: Case, macro: MacroRow, policy, by) -> tuple[str, object]:
    from policies.engine import render_template

    template = next((t for t in policy.templates if t.ref.id == macro.template_id), None)
    if template is None:
        raise refuse(
            E.BAD_CHOICE,
            _("快捷宏“%(name)s”的模板不适用于本案的平台或已停用。"),
            name=macro.name,
        )
    return render_template(template, reply_context(case, by, policy), policy), template


def _option_for(case: Case, macro: MacroRow, policy):
    """The case's option of the macro's type and amount, or None (the offer service then refuses)."""
    from cases.workflow.compose import offer_options

    for option in offer_options(case, policy):
        if option.kind != macro.compensation_kind:
            continue
        wanted = macro.compensation_amount
        if wanted is None or wanted in (option.amount, option.cost):
            return option
    return None


def case_apply_macro(*, case_id: int, macro_id, by, version: int) -> MacroDraft:
    """Apply a macro: check its text, make its offer (through ``case_offer``), return the draft.

    Refusals are the workflow's ``ValidationError`` with a stable code; nothing is written when the
    macro is refused (the offer service's own transaction is the only write)."""
    case = case_to_act_on(by, case_id)
    policy = policy_for(case)
    macro = next((m for m in macros_for(case, policy) if str(m.id) == str(macro_id)), None)
    if macro is None:
        raise refuse(E.BAD_CHOICE, _("没有这个快捷宏，或它不适用于本案的店铺。"))
    if case.version != version:
        raise refuse(E.STALE, _("案件#%(case_id)s刚被其他人更新，请刷新后重试。"), case_id=case.pk)
    text, template = _render(case, macro, policy, by)
    action = composer_action(template.channel)
    why_not = explain_refusal(case, by, action)
    if why_not:
        raise refuse(E.REPLY_NOT_ALLOWED, why_not)
    report = check_reply(case, text, channel=template.channel, policy=policy)
    if report.blocking:
        raise refuse(
            E.COMPLIANCE_BLOCKED,
            _("快捷宏“%(name)s”的话术不能发送：%(findings)s"),
            name=macro.name,
            findings="；".join(f.describe() for f in report.blocking),
        )
    offered = needs_approval = False
    if macro.compensation_kind:
        option = _option_for(case, macro, policy)
        try:
            # An option the matrix does not give this case: "" is no option, so the offer service
            # refuses with its own words (which options the case has).
            case = case_offer(case_id=case.pk, by=by, version=version, option_id=option and option.option_id)
        except ValidationError as error:
            message = "".join(error.messages)
            raise refuse(
                error.code or E.UNKNOWN_OPTION,
                _("快捷宏“%(name)s”没有执行：%(reason)s"),
                name=macro.name,
                reason=message,
            ) from error
        offered, needs_approval = True, bool(option.requires_approval)
        case = case_to_act_on(by, case.pk)  # fresh: the offer is in the placeholders now
        text, template = _render(case, macro, policy_for(case), by)
    return MacroDraft(
        case=case,
        macro=macro,
        action=action,
        channel=template.channel,
        text=text,
        template_id=macro.template_id,
        offered=offered,
        needs_approval=needs_approval,
    )
