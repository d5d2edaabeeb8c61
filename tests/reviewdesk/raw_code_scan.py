"""What a person sees, and the raw codes that must not be in it (tests/reviewdesk/test_no_raw_codes.py).

A raw code is the stored value of a choices class ("verified_conversion", "agent") or the code of a policy
row ("logistics", "ordinary") where its label belongs, or a marker of the seed documents the default pack
was written from ("(种子001)"). Visible text is what a browser shows: text nodes (not scripts or styles),
the options of a select, submit buttons and the title/placeholder/alt/aria-label attributes; an input's
value is what the user typed or will type, and is not scanned. Spreadsheets are scanned cell by cell.

Exclusions, each for a reason:
* values that are not identifiers (Weekday's 0–6) or that their label already shows ("xlsx" → "XLSX",
  "intake" → "提交评价(intake)": the API scope is written as the client sends it);
* a column or admin field that is the code itself (header or field named "代码"/"…代码", the admin's
  ``field-code``) or an English name (``field-name_en``, "英文名称"): it exists to show the code (and to
  re-import it), or it is English on purpose ("Product quality"); likewise the terms and regular
  expressions a rule's author typed ("用语/正则", "甲类词": "vip|qq" is what the rule matches);
* ``GENERIC``: values that are also the demo's own data (the superuser's username "admin");
* ``EXEMPT_PAGES``: pages whose subject is the codes themselves, each with its reason;
* a text that is a JSON document: the admin shows a case's frozen decision and a report's data as the
  stored record they are (the case page and the report page show them in words).
Codes are matched as whole words: letters, digits and ``_ - . / @ : = { }`` around them make another word
("agent1" is a username, "jd-digital" a shop code, "report.xlsx" a file name, "{sku}" a placeholder a
template's author types).
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import pkgutil
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.db import models

from tests.project_apps import project_apps

PROJECT_APPS = tuple(project_apps())

# Stored values that are also ordinary data of the demo, so a match would not be a code.
GENERIC = {
    "admin": "IntakeSource.ADMIN: the demo superuser's username is 'admin'",
}

SEED_MARKER = re.compile(r"种子\s*(?:文档)?\s*\d{3}")
WORD = "A-Za-z0-9_\\-./@:={}"
CODE_HEADER = re.compile(r"代码$|^code$|^工号$|^英文名称$|正则$|词$|^用语$")
CODE_CLASS = re.compile(r"\b(?:field|column)-(?:(?:\w+_)?code|name_en)\b")

# Admin pages whose subject is stored keys, not words for a reader.
EXEMPT_PAGES = {
    "/admin/django_q/": "django-q's own admin: schedules are named in English by the data migrations",
    "/admin/auth/group/": "a group's name is the role's key (reviewdesk.roles); the list shows the label beside it",
    "/admin/cases/importmapping/": "a mapping is written in the review's field names, which its help lists",
}


def choices_classes() -> list[type[models.Choices]]:
    """Every TextChoices / IntegerChoices subclass of the project (its choices modules imported)."""
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if module.name.rsplit(".", 1)[-1] == "choices":
                importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted(
        {c for c in subclasses(models.Choices) if c.__module__.split(".")[0] in PROJECT_APPS},
        key=lambda c: (c.__module__, c.__qualname__),
    )


IDENTIFIER = re.compile(r"^[a-z][a-z0-9_:]*[a-z0-9]$")


def raw_choice_values() -> tuple[dict[str, str], dict[str, str]]:
    """(value → "Class.NAME", excluded value → why) over every choices class."""
    wanted, excluded = {}, {}
    for cls in choices_classes():
        for member in cls:
            value, label = str(member.value), str(member.label)
            where = f"{cls.__qualname__}.{member.name}"
            if not IDENTIFIER.match(value):
                excluded[value] = f"{where}: not an identifier"
            elif value.lower() == label.lower() or value in label:
                excluded[value] = f"{where}: the label shows it ({label})"
            elif value in GENERIC:
                excluded[value] = GENERIC[value]
            else:
                wanted.setdefault(value, where)
    return wanted, excluded


def data_codes() -> dict[str, str]:
    """code → "Model" for the policy rows whose code a label stands for (issue types, customer tiers)."""
    from policies.models import CustomerTier, IssueType

    codes = {}
    for model in (IssueType, CustomerTier):
        for code in model.objects.values_list("code", flat=True):
            if IDENTIFIER.match(code) and code not in GENERIC:
                codes.setdefault(code, model.__name__)
    return codes


@dataclass
class Text:
    text: str
    code_context: bool = False  # inside a column / field that shows a code on purpose


@dataclass
class Finding:
    where: str
    code: str
    origin: str
    excerpt: str

    def __str__(self):
        return f"{self.where}: {self.code!r} ({self.origin}) in “{self.excerpt}”"


@dataclass
class Scanner:
    choices: dict[str, str]
    codes: dict[str, str]
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self):
        self._choices = self._pattern(self.choices)
        self._codes = self._pattern(self.codes)

    @staticmethod
    def _pattern(values) -> re.Pattern | None:
        if not values:
            return None
        alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
        return re.compile(f"(?<![{WORD}])(?:{alternatives})(?![{WORD}])")

    def scan(self, where: str, texts: list[Text]) -> None:
        if any(prefix in where for prefix in EXEMPT_PAGES):
            return
        for item in texts:
            text = item.text
            if _is_json(text):
                continue
            for pattern, origins in ((self._choices, self.choices), (self._codes, self.codes)):
                if pattern is None or item.code_context:
                    continue
                for match in pattern.finditer(text):
                    self.findings.append(
                        Finding(where, match.group(0), origins[match.group(0)], _excerpt(text, match))
                    )
            for match in SEED_MARKER.finditer(text):
                self.findings.append(Finding(where, match.group(0), "seed marker", _excerpt(text, match)))


def _is_json(text: str) -> bool:
    if not text.lstrip().startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _excerpt(text: str, match: re.Match) -> str:
    start, end = max(0, match.start() - 30), match.end() + 30
    return " ".join(text[start:end].split())


# --- HTML -------------------------------------------------------------------------------------------


class VisibleText(HTMLParser):
    HIDDEN = {"script", "style", "template", "noscript", "head"}
    VOID = {"meta", "link", "input", "br", "img", "hr", "source", "col", "area", "base", "wbr"}
    ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, code context)
        self.texts: list[Text] = []
        self.tables: list[dict] = []  # {"headers": [..], "column": int}

    def _code_context(self, tag, attrs) -> bool:
        if self.stack and self.stack[-1][1]:
            return True
        if CODE_CLASS.search(attrs.get("class") or ""):
            return True
        if tag == "td" and self.tables:
            table = self.tables[-1]
            headers, column = table["headers"], table["column"]
            return column < len(headers) and bool(CODE_HEADER.search(headers[column]))
        return False

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "tr" and self.tables:
            self.tables[-1]["column"] = -1
        elif tag in ("td", "th") and self.tables:
            self.tables[-1]["column"] += 1
        context = self._code_context(tag, attrs)
        hidden = any(t in self.HIDDEN for t, _c in self.stack) or tag in self.HIDDEN
        if not hidden:
            for name in self.ATTRIBUTES:
                if attrs.get(name):
                    self.texts.append(Text(attrs[name], context))
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(Text(attrs["value"], context))
        if tag == "table":
            self.tables.append({"headers": [], "column": -1, "in_head_row": False, "header": None})
        elif tag == "th" and self.tables:
            self.tables[-1]["header"] = []
        if tag not in self.VOID:
            self.stack.append((tag, context))

    def handle_endtag(self, tag):
        if tag == "th" and self.tables and self.tables[-1]["header"] is not None:
            table = self.tables[-1]
            text = " ".join("".join(table["header"]).split())
            if table["column"] >= len(table["headers"]):
                table["headers"].append(text)
            table["header"] = None
        if tag == "table" and self.tables:
            self.tables.pop()
        if any(t == tag for t, _c in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if any(t in self.HIDDEN for t, _c in self.stack):
            return
        if self.tables and self.tables[-1]["header"] is not None:
            self.tables[-1]["header"].append(data)
        if data.strip():
            self.texts.append(Text(data.strip(), bool(self.stack and self.stack[-1][1])))


def html_texts(content: str) -> list[Text]:
    parser = VisibleText()
    parser.feed(content)
    parser.close()
    return parser.texts


# --- spreadsheets -----------------------------------------------------------------------------------


def _rows_texts(sheet_rows: list[list]) -> list[Text]:
    """Cells as texts; a cell under a header (first two rows) naming a code is in a code context."""
    heads = [[str(v or "") for v in row] for row in sheet_rows[:2]]
    texts = []
    for row in sheet_rows:
        for column, value in enumerate(row):
            if value is None or str(value).strip() == "":
                continue
            code = any(column < len(h) and CODE_HEADER.search(h[column].strip()) for h in heads)
            texts.append(Text(str(value), code))
    return texts


def xlsx_texts(content: bytes) -> list[Text]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    texts = []
    for sheet in workbook.worksheets:
        texts.append(Text(sheet.title))
        texts.extend(_rows_texts([list(r) for r in sheet.iter_rows(values_only=True)]))
    return texts


def csv_texts(content: bytes) -> list[Text]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return _rows_texts(rows)


def document_texts(content: bytes, content_type: str) -> list[Text] | None:
    """The visible text of a response body, or None when it is no page or spreadsheet."""
    if "html" in content_type:
        return html_texts(content.decode("utf-8", errors="replace"))
    if "csv" in content_type:
        return csv_texts(content)
    if "spreadsheetml" in content_type or (content[:2] == b"PK" and _is_xlsx(content)):
        return xlsx_texts(content)
    return None


def _is_xlsx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
