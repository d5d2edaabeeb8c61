"""Compile gettext catalogs (.po → .mo) without GNU gettext.

    python locale/msgfmt.py [locale/en/LC_MESSAGES/django.po ...]

With no argument it compiles every ``locale/*/LC_MESSAGES/*.po``. ``make messages`` runs it after
``makemessages`` (which needs GNU xgettext, a developer tool); the compiled ``.mo`` files are committed,
so running or testing ReviewDesk needs neither. The format written is the one of CPython's
``Tools/i18n/msgfmt.py`` (no hash table; Python's ``gettext`` and Django read it). Fuzzy entries and
entries without a translation are left out, so Django falls back to the Chinese msgid for them.
"""

import array
import ast
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    comments: list[str] = field(default_factory=list)  # "#…" lines, kept verbatim
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # plain msgstr is index 0

    @property
    def fuzzy(self) -> bool:
        return any(line.startswith("#,") and "fuzzy" in line for line in self.comments)

    @property
    def obsolete(self) -> bool:
        return any(line.startswith("#~") for line in self.comments)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())


def parse(text: str) -> list[Entry]:
    """The entries of a .po file (the header is the entry with an empty msgid)."""
    entries: list[Entry] = []
    entry, key = Entry(), None

    def finish():
        nonlocal entry, key
        if key is not None or entry.comments:
            entries.append(entry)
        entry, key = Entry(), None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if key is not None:  # comments start a new entry
                finish()
            entry.comments.append(raw)
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
        else:
            keyword, _, rest = line.partition(" ")
            value = ast.literal_eval(rest.strip())
            if keyword in ("msgctxt", "msgid") and isinstance(key, int):  # no blank line between entries
                finish()
            if keyword.startswith("msgstr["):
                key = int(keyword[7:-1])
                entry.msgstr[key] = ""
            elif keyword == "msgstr":
                key = 0
                entry.msgstr[0] = ""
            else:
                key = keyword
                setattr(entry, keyword, "")
        if isinstance(key, int):
            entry.msgstr[key] += value
        elif key is not None:
            setattr(entry, key, getattr(entry, key) + value)
    finish()
    return entries


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    if "\n" in text.rstrip("\n"):
        parts = escaped.split("\n")
        lines = [part + "\\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
        return '""\n' + "\n".join(f'"{line}"' for line in lines)
    return '"' + escaped.replace("\n", "\\n") + '"'


def dump(entries: list[Entry]) -> str:
    blocks = []
    for entry in entries:
        lines = list(entry.comments)
        if entry.obsolete and not entry.msgid and not entry.msgstr:  # "#~" lines only
            blocks.append("\n".join(lines))
            continue
        if entry.msgctxt is not None:
            lines.append(f"msgctxt {_quote(entry.msgctxt)}")
        lines.append(f"msgid {_quote(entry.msgid)}")
        if entry.msgid_plural is not None:
            lines.append(f"msgid_plural {_quote(entry.msgid_plural)}")
            lines += [
                f"msgstr[{n}] {_quote(entry.msgstr.get(n, ''))}" for n in sorted(entry.msgstr or {0: ""})
            ]
        else:
            lines.append(f"msgstr {_quote(entry.msgstr.get(0, ''))}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def compile_mo(entries: list[Entry]) -> bytes:
    messages: dict[bytes, bytes] = {}
    for entry in entries:
        if entry.obsolete or (entry.fuzzy and entry.msgid) or not entry.translated:
            continue
        msgid = entry.msgid if entry.msgid_plural is None else f"{entry.msgid}\0{entry.msgid_plural}"
        if entry.msgctxt is not None:
            msgid = f"{entry.msgctxt}\x04{msgid}"
        msgstr = "\0".join(entry.msgstr[n] for n in sorted(entry.msgstr))
        messages[msgid.encode()] = msgstr.encode()
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(messages[key])))
        ids += key + b"\0"
        strs += messages[key] + b"\0"
    keystart = 7 * 4 + 16 * len(keys)
    valuestart = keystart + len(ids)
    koffsets, voffsets = [], []
    for id_offset, id_len, str_offset, str_len in offsets:
        koffsets += [id_len, id_offset + keystart]
        voffsets += [str_len, str_offset + valuestart]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    return header + array.array("i", koffsets + voffsets).tobytes() + ids + strs


def compile_file(po_path: Path) -> tuple[Path, int]:
    entries = parse(po_path.read_text(encoding="utf-8"))
    mo_path = po_path.with_suffix(".mo")
    mo_path.write_bytes(compile_mo(entries))
    return mo_path, sum(1 for e in entries if e.msgid and e.translated and not e.fuzzy and not e.obsolete)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(Path(__file__).resolve().parent.glob("*/LC_MESSAGES/*.po"))
    for path in paths:
        mo_path, count = compile_file(path)
        print(f"{mo_path}: {count} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
