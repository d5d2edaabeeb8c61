"""Load ONE snapshot of the active rules for a shop (or none) on a platform: ``load_policy``.

The snapshot (``policies.engine.policy.Policy``) holds plain frozen dataclasses with precompiled
regular expressions; the engine reads nothing else, so ``decide()`` runs zero queries.

Layers. A rule with a shop applies to that shop only; a rule with a client (品牌方) to every shop of
that client; a rule with neither is the global default (``policies.layers``). The layers are applied
in order global → client → shop, each more specific layer overriding the ones before it exactly as
a shop overrides the global default (a shop without a client has only two layers):

* **replace** — the more specific row replaces the less specific one with the same natural key:
  platform rule (by platform); SLA tier (by issue type, the fallback tier by "no issue type");
  business calendar (the most specific active calendar); customer tier (by code); compensation
  rules (by group = issue type × customer-tier code: the most specific layer with an active rule in
  a group replaces all rules of the other layers in that group); follow-up plan (by event); appeal
  checklist (by platform); contact limit (by platform; a more specific layer's row for every
  platform beats a less specific layer's row for this platform).
* **add** — classification rules, malicious signals, compliance rules and reply templates of every
  layer are added together (the engine prefers the more specific layer's template of the same stage
  and channel, and a more specific classification rule at the same priority).

Each rule's layer is kept in the snapshot (``Policy.rule_layers``) so that an explanation can say
which layer decided it. Every layer costs no query of its own: a model's global rows are one query,
its client's and shop's rows together one more.

Issue types are global (shops override the rules that use them, not the taxonomy).

Caching. Snapshots are cached per process, keyed by (shop id, its client id, platform), and revalidated on every
call by one primary-key read of the policy stamp (``policies.models.PolicyStamp``), which database
triggers bump in the same transaction as ANY write to a rule or child row (admin, import, API, shell,
``QuerySet.update``, data migrations). So a 100,000-row import that loads its policy once per shop pays
for the rules once, and every process sees a committed change on its next ``load_policy`` (the
caching interval is zero: no change waits for a timer or a restart).
"""

from __future__ import annotations

import secrets
import threading

from django.db import connection

from policies.engine.policy import Policy, combine
from policies.models import ContactLimit, PolicyStamp, ReplyTemplate
from policies.readers import (
    Layers,
    active_calendar,
    appeal_checklist_specs,
    campaign_specs,
    classification_specs,
    compensation_specs,
    compliance_specs,
    contact_limit_spec,
    customer_tier_specs,
    follow_up_plan_specs,
    issue_type_specs,
    platform_rule_specs,
    scoped,
    signal_specs,
    sla_tier_specs,
    template_spec,
)
from reviewdesk.choices import Platform

__all__ = ["active_campaign", "clear_policy_cache", "load_policy", "policy_stamp"]

_MAX_CACHED = 256
_cache: dict[tuple, Policy] = {}
_lock = threading.Lock()


def clear_policy_cache() -> None:
    """Forget every cached snapshot (tests and ``seed_policies``; writes need not call it: the stamp
    changes with every write)."""
    with _lock:
        _cache.clear()


def policy_stamp() -> tuple:
    """The policy stamp (one indexed row). A database flushed by tests has lost the row: it is put back
    with a random token, so no snapshot cached before the flush can match it."""
    table = connection.ops.quote_name(PolicyStamp._meta.db_table)
    select = f"SELECT version, token FROM {table} WHERE id = 1"
    with connection.cursor() as cursor:
        cursor.execute(select)
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                f"INSERT INTO {table} (id, version, token) VALUES (1, 0, %s) ON CONFLICT (id) DO NOTHING",
                [secrets.randbits(62)],
            )
            cursor.execute(select)
            row = cursor.fetchone()
    return (connection.alias, *row)


def load_policy(*, shop=None, platform: str, client=None) -> Policy:
    """The active rules for ``shop`` (a Shop or None for the global defaults) on ``platform``; without a
    shop, ``client`` (a Client) asks for that client's layer over the global rules (what a rule of the
    client's layer is checked against)."""
    shop_id = shop.pk if shop is not None else None
    if shop is not None:
        client_id = getattr(shop, "client_id", None)
    else:
        client_id = client.pk if client is not None else None
    stamp = policy_stamp()
    key = (shop_id, client_id, platform)
    cached = _cache.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    # The platform-independent part is shared by the five platforms of one shop.
    shared = _cache.get(("shared", shop_id, client_id))
    if shared is None or shared["stamp"] != stamp:
        shared = _load_shared(shop_id=shop_id, client_id=client_id, stamp=stamp)
    policy = _for_platform(shared, platform)
    with _lock:
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        _cache[("shared", shop_id, client_id)] = shared
        _cache[key] = policy
    return policy


def _load_shared(*, shop_id, client_id=None, stamp) -> dict:
    """The platform-independent part of a snapshot, one reader per kind (``policies.readers``)."""
    layers = Layers(shop_id, client_id)
    issue_types = issue_type_specs()
    platform_rules = platform_rule_specs(layers)
    classification = classification_specs(layers, issue_types)
    signals = signal_specs(layers)
    sla_tiers = sla_tier_specs(layers)
    customer_tiers = customer_tier_specs(layers)
    compliance = compliance_specs(layers)
    calendar = active_calendar(layers)
    compensation = compensation_specs(layers)
    templates = tuple(template_spec(t) for t in scoped(ReplyTemplate, layers))
    follow_up_plans = follow_up_plan_specs(layers)
    appeal_checklists = appeal_checklist_specs(layers)
    contact_limits = list(scoped(ContactLimit, layers))
    campaigns = campaign_specs(layers, {})
    return {
        "stamp": stamp,
        "shop_id": shop_id,
        "client_id": client_id,
        "rule_layers": dict(layers.seen),
        "issue_types": issue_types,
        "platform_rules": platform_rules,
        "classification": tuple(classification),
        "signals": tuple(signals),
        "sla_tiers": sla_tiers,
        "calendar": calendar,
        "customer_tiers": customer_tiers,
        "compensation": compensation,
        "templates": templates,
        "compliance": compliance,
        "follow_up_plans": follow_up_plans,
        "appeal_checklists": appeal_checklists,
        "contact_limits": contact_limits,
        "campaigns": campaigns,
        "classification_regex": combine(r.regex for r in classification),
        "phrase_regex": combine(s.regex for s in signals if s.regex is not None),
    }


def _for_platform(shared: dict, platform: str) -> Policy:
    return Policy(
        platform=platform,
        shop_id=shared["shop_id"],
        platform_rule=shared["platform_rules"].get(platform),
        issue_types=shared["issue_types"],
        classification_rules=shared["classification"],
        malicious_signals=shared["signals"],
        sla_tiers=shared["sla_tiers"],
        calendar=shared["calendar"],
        customer_tiers=shared["customer_tiers"],
        compensation_rules=shared["compensation"],
        templates=tuple(t for t in shared["templates"] if t.platform in ("", platform)),
        compliance_rules=shared["compliance"],
        follow_up_plans=shared["follow_up_plans"],
        appeal_checklists=shared["appeal_checklists"].get(platform, ()),
        contact_limit=contact_limit_spec(shared["contact_limits"], platform),
        stamp=shared["stamp"],
        client_id=shared["client_id"],
        rule_layers=shared["rule_layers"],
        classification_regex=shared["classification_regex"],
        phrase_regex=shared["phrase_regex"],
        campaigns=shared["campaigns"],
    )


def active_campaign(*, shop, at, platform: str = ""):
    """The peak season (``CampaignSpec``) in force for ``shop`` at ``at``, or None: what prevention tasks
    and pages ask; the SLA of a new case applies it through the engine (``policies.engine.timing``)."""
    # Peak seasons are platform-independent (the snapshot's shared part): any platform's snapshot has them.
    return load_policy(shop=shop, platform=platform or Platform.TAOBAO).campaign_at(at)
