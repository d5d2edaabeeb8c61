"""The three kinds of compliance rule, compiled once per policy snapshot and matched on normalised text.

* phrases (``keywords``): each phrase is normalised like the text, then matched literally;
* ``regex``: the manager's expressions, matched on the normalised text;
* ``combination``: a term of set A and a term of set B at most ``distance`` characters apart, in either
  order ("好评 … 红包", "删 … 评价"), so a sentence is caught without listing it.

``find`` returns the span in the normalised text; the engine maps it back to the original.
"""

from __future__ import annotations

import re

from policies.compliance.normalise import Normalised, normalise_phrase
from policies.compliance.rules import parse_platform_actions, split_phrases, split_terms


def compile_phrases(lines: list[str]) -> re.Pattern | None:
    phrases = {normalise_phrase(line) for line in lines}
    phrases.discard("")
    if not phrases:
        return None
    return re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))


def compile_regexes(lines: list[str]) -> re.Pattern | None:
    if not lines:
        return None
    return re.compile("|".join(f"(?:{p})" for p in lines), re.IGNORECASE)


def compile_rule(*, match_mode: str, patterns: str, terms_a: str, terms_b: str) -> dict | None:
    """The matcher fields of a ``ComplianceRuleSpec`` (None when the rule cannot match anything)."""
    try:
        if match_mode == "combination":
            first = compile_regexes(split_terms(terms_a))
            second = compile_regexes(split_terms(terms_b))
            if first is None or second is None:
                return None
            return {"regex": None, "terms_a": first, "terms_b": second}
        if match_mode == "regex":
            regex = compile_regexes(split_terms(patterns))
        else:
            regex = compile_phrases(split_phrases(patterns))
    except re.error:  # a row saved around the admin's validation: it matches nothing rather than crash
        return None
    if regex is None:
        return None
    return {"regex": regex, "terms_a": None, "terms_b": None}


def platform_actions(text: str) -> tuple[tuple[str, str], ...]:
    try:
        return tuple(sorted(parse_platform_actions(text).items()))
    except Exception:  # noqa: BLE001 — a bad override is ignored: the rule's own action applies
        return ()


def build_spec(ref, values):
    """A ``ComplianceRuleSpec`` from a rule's field values (a model's ``vars()`` or a pack row), or None
    when the rule cannot match anything. The loader and the benchmark build rules the same way."""
    from policies.engine.policy import ComplianceRuleSpec
    from policies.models.base import split_codes

    matcher = compile_rule(
        match_mode=values.get("match_mode") or "keywords",
        patterns=values.get("patterns") or "",
        terms_a=values.get("terms_a") or "",
        terms_b=values.get("terms_b") or "",
    )
    if matcher is None:
        return None
    return ComplianceRuleSpec(
        ref=ref,
        name=values["name"],
        platforms=frozenset(split_codes(values.get("platforms") or "")),
        channels=frozenset(split_codes(values.get("channels") or "")),
        action=values.get("action") or "block",
        reason=values.get("reason") or "",
        category=values.get("category") or "other",
        cited_rule=values.get("cited_rule") or "",
        distance=values.get("distance") or 12,
        platform_actions=platform_actions(values.get("platform_actions") or ""),
        **matcher,
    )


def find(rule, text: str) -> tuple[int, int] | None:
    """The first match of ``rule`` (a ComplianceRuleSpec) in the normalised ``text``, as a span."""
    if rule.regex is not None:
        for match in rule.regex.finditer(text):
            if match.end() > match.start():
                return match.span()
        return None
    if rule.terms_a is None or rule.terms_b is None:
        return None
    firsts = [m.span() for m in rule.terms_a.finditer(text) if m.end() > m.start()]
    if not firsts:
        return None
    seconds = [m.span() for m in rule.terms_b.finditer(text) if m.end() > m.start()]
    best = None
    for a_start, a_end in firsts:
        for b_start, b_end in seconds:
            gap = max(b_start - a_end, a_start - b_end, 0)
            if gap <= rule.distance:
                span = (min(a_start, b_start), max(a_end, b_end))
                # The tightest pair is the clearest thing to show the agent.
                key = (span[1] - span[0], span[0])
                if best is None or key < best[0]:
                    best = (key, span)
    return best[1] if best else None


def findings(rules, normalised: Normalised):
    """(rule, original start, original end) for every rule that matches, in the rules' order."""
    for rule in rules:
        span = find(rule, normalised.text)
        if span is not None:
            start, end = normalised.original_span(*span)
            yield rule, start, end
