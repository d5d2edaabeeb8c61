"""Texts computed once and read in every reader's language: the policy engine's reasons, routing's
"nobody could take it", a withheld award's reason.

Such a text is stored *language-neutral*: the catalog's message id (the Chinese msgid) and its values,
nested where a reason quotes another, and rendered with gettext when it is read, in the reader's active
language. The same stored row reads in English to an English reader and in Chinese to a Chinese one,
and equal decisions made under different languages store equal JSON (one ``DecisionRecord``).

The JSON forms (a *node*):

* ``"text"`` — a literal (a rule's or a person's name, or any row written before this module): as it is;
* ``{"msg": msgid}`` — a catalog entry without values; ``{"msg": msgid, "args": {name: node}}`` with;
* ``{"join": sep, "parts": [node, …]}`` — parts joined by a separator;
* ``{"name": "物流延误", "en": "Logistics delay"}`` — a policy row's name and its optional English name;
* ``{"trim": node}`` — a sentence quoted inside another, without its full stop.

Code builds them with ``deferred`` (imported as ``_`` where every message is meant to be read later:
``_("评分%(rating)s…") % {...}`` is extracted by ``makemessages`` like any gettext call), ``joined`` and
``named``. What they return is a ``Text``: a ``str`` already rendered in the active language (so every
caller that shows it now, compares it or slices it works unchanged) that also carries its ``neutral``
form; ``neutral(value)`` is what a writer stores, ``render(node)`` what a reader shows.

A text column (``Assignment.reason``, ``WithheldAward.reason``) stores a node as its JSON
(``as_text``) and is read with ``render_text``: a plain sentence there is an old row (or a person's
words) and renders as itself. No data migration: rows written before this module keep their
frozen-language text and still render.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext


class Text(str):
    """A sentence in the language active when it was made, carrying its language-neutral form."""

    neutral: object

    def __new__(cls, rendered: str, neutral=None):
        text = super().__new__(cls, rendered)
        text.neutral = rendered if neutral is None else neutral
        return text

    def __mod__(self, values):
        node = self.neutral
        if isinstance(values, dict) and isinstance(node, dict) and "msg" in node and "args" not in node:
            rendered = str.__mod__(str(self), values)
            return Text(rendered, {"msg": node["msg"], "args": {k: neutral(v) for k, v in values.items()}})
        return str.__mod__(self, values)


def deferred(msgid: str) -> Text:
    """``gettext(msgid)`` now, remembering the msgid; ``% {...}`` adds the values (see ``Text``)."""
    return Text(gettext(msgid), {"msg": msgid})


def label(choice_label) -> str:
    """A choices label (``Role.AGENT.label``, lazy) as a ``Text``: its msgid is kept, not its translation."""
    if isinstance(choice_label, Promise):
        args = getattr(choice_label, "_args", ())
        if len(args) == 1 and isinstance(args[0], str):
            return Text(str(choice_label), {"msg": args[0]})
    return str(choice_label)


def joined(separator: str, parts) -> str:
    """``separator.join(parts)``, keeping each part's neutral form when any part has one."""
    parts = list(parts)
    if len(parts) == 1:
        return parts[0]
    text = separator.join(str(p) for p in parts)
    if not any(isinstance(p, Text) and p.neutral != str(p) for p in parts):
        return text
    return Text(text, {"join": separator, "parts": [neutral(p) for p in parts]})


FULL_STOPS = "。."


def trimmed(value) -> str:
    """``value`` without surrounding space and its full stop (a sentence quoted inside a longer one),
    its neutral form kept so each reader's language is trimmed when it is read."""
    text = str(value).strip().rstrip(FULL_STOPS)
    node = neutral(value)
    if isinstance(value, Text) and node != str(value):
        return Text(text, {"trim": node})
    return text


def _english(language: str | None = None) -> bool:
    return (language or get_language() or "").startswith("en")


def named(name: str, name_en: str | None = "") -> str:
    """A policy row's name: its English name (when it has one) to an English reader."""
    if not name_en:
        return name or ""
    return Text(name_en if _english() else name, {"name": name, "en": name_en})


def neutral(value):
    """What to store for ``value``: a node for a ``Text`` or a choices label, lists item by item, an
    amount as the text ``%s`` prints; anything else JSON carries as it is."""
    if isinstance(value, Text):
        return value.neutral
    if isinstance(value, Promise):
        return neutral(label(value))
    if isinstance(value, list | tuple):
        return [neutral(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def is_node(value) -> bool:
    """A stored node (not any dict: a rule reference has a "name" too)."""
    if not isinstance(value, dict):
        return False
    if "msg" in value:
        return isinstance(value["msg"], str) and set(value) <= {"msg", "args"}
    if "join" in value:
        return set(value) == {"join", "parts"}
    if "trim" in value:
        return set(value) == {"trim"}
    return set(value) == {"name", "en"}


def render_values(data):
    """``data`` (a stored decision or event payload: dicts and lists) with every node in it rendered."""
    if is_node(data):
        return render(data)
    if isinstance(data, dict):
        return {k: render_values(v) for k, v in data.items()}
    if isinstance(data, list):
        return [render_values(v) for v in data]
    return data


def render(node) -> str:
    """A node (or an old plain text) in the active language. Never raises: a value that is not a node
    is shown as text, a translation whose placeholders do not fit falls back to the msgid."""
    if node is None:
        return ""
    if isinstance(node, str):
        return str(node)
    if isinstance(node, list):
        return "，".join(render(n) for n in node)
    if not isinstance(node, dict):
        return str(node)
    if "msg" in node:
        msgid = str(node["msg"])
        if "args" not in node:
            return gettext(msgid)
        args = node["args"] if isinstance(node["args"], dict) else {}
        values = {k: render(v) if isinstance(v, str | dict | list) else v for k, v in args.items()}
        for template in (gettext(msgid), msgid):
            try:
                return template % values
            except (KeyError, TypeError, ValueError):
                continue
        return msgid
    if "join" in node:
        return str(node["join"]).join(render(p) for p in node.get("parts") or [])
    if "trim" in node:
        return render(node["trim"]).strip().rstrip(FULL_STOPS)
    if "name" in node:
        return str(node.get("en") or node["name"]) if _english() else str(node["name"])
    return json.dumps(node, ensure_ascii=False)


def render_all(nodes) -> list[str]:
    """Each of a stored list of nodes, rendered."""
    return [render(n) for n in nodes or []]


def again(value) -> str:
    """A ``Text`` made in one language, in the active one (an old plain text as it is)."""
    return render(neutral(value))


def as_text(value) -> str:
    """For a text column: the node's JSON (``render_text`` reads it back), a plain text as it is."""
    node = neutral(value)
    if is_node(node):
        return json.dumps(node, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return "" if node is None else str(node)


def from_text(text: str | None):
    """A text column's node (``as_text``), or the text itself (an old row, a person's words)."""
    if text and text.startswith('{"') and text.endswith("}"):
        try:
            node = json.loads(text)
        except ValueError:
            return text
        if is_node(node):
            return node
    return text or ""


def render_text(text: str | None) -> str:
    """A text column written with ``as_text`` (or an old plain row), in the active language."""
    return render(from_text(text))
