"""Compile gettext catalogs (.po → .mo) with polib, without GNU gettext.

    python locale/compile.py [locale/en/LC_MESSAGES/django.po ...]

With no argument it compiles every ``locale/*/LC_MESSAGES/*.po``. ``make messages`` runs it after
``makemessages`` (which needs GNU xgettext, a developer tool); the compiled ``.mo`` files are committed,
so running or testing ReviewDesk needs neither. Fuzzy, obsolete and untranslated entries are left out
(polib's ``translated_entries``), so Django falls back to the Chinese msgid for them.
"""

import sys
from pathlib import Path

import polib


def compile_file(po_path: Path) -> tuple[Path, int]:
    catalog = polib.pofile(str(po_path), encoding="utf-8")
    mo_path = po_path.with_suffix(".mo")
    catalog.save_as_mofile(str(mo_path))
    return mo_path, len(catalog.translated_entries())


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(Path(__file__).resolve().parent.glob("*/LC_MESSAGES/*.po"))
    for path in paths:
        mo_path, count = compile_file(path)
        print(f"{mo_path}: {count} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
