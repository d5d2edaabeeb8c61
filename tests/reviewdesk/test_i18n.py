"""The English catalog: complete, compiled, and what English users actually see.

Message ids are Chinese (the primary language); ``locale/en/LC_MESSAGES/django.po`` holds the
English. The catalog is read with polib rather than GNU gettext, which the machine running the
tests may not have.
"""

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from tests.factories import ShopFactory
from tests.project_apps import project_apps

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}")


def po_entries(path: Path = PO) -> list[polib.POEntry]:
    """The entries of a .po file (polib keeps the header apart; obsolete "#~" entries are left out)."""
    return [e for e in polib.pofile(str(path), encoding="utf-8") if not e.obsolete]


def translations(entry: polib.POEntry) -> dict[int, str]:
    """{n: text}: a plural entry's msgstr[n], or {0: msgstr} for a singular one."""
    return dict(entry.msgstr_plural) if entry.msgid_plural else {0: entry.msgstr}


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = po_entries()
    assert len(entries) > 1000
    untranslated = [(e.linenum, e.msgid) for e in entries if not all(translations(e).values() or [""])]
    fuzzy = [(e.linenum, e.msgid) for e in entries if e.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_each_message_is_written_once():
    """GNU msgfmt refuses a catalog with a msgid twice, and of two translations only one can be used."""
    seen: dict[tuple, int] = {}
    twice = []
    for e in po_entries():
        key = (e.msgctxt, e.msgid)
        if key in seen:
            twice.append((seen[key], e.linenum, e.msgid))
        seen[key] = e.linenum
    assert twice == []


def test_translations_keep_every_placeholder():
    broken = []
    for e in po_entries():
        source = set(PLACEHOLDER.findall(e.msgid + " " + e.msgid_plural))
        for n, text in translations(e).items():
            found = set(PLACEHOLDER.findall(text))
            # a plural's singular form may leave the count out ("1 error" is written as a word)
            if found != source and not (e.msgid_plural and n == 0 and found <= source):
                broken.append((e.linenum, e.msgid, text))
    assert broken == []


def test_the_committed_mo_is_compiled_from_the_po():
    compiled = gettext.GNUTranslations(MO.open("rb"))._catalog
    stale = []
    for e in po_entries():
        key = e.msgid_with_context
        if not e.msgid_plural:
            if compiled.get(key) != e.msgstr:
                stale.append(e.msgid)
        elif any(compiled.get((key, n)) != text for n, text in translations(e).items()):
            stale.append(e.msgid)
    assert stale == [], "run `python locale/compile.py` (or `make messages`)"


class ChromeText(HTMLParser):
    """Text of the page's chrome: title, top bar, headings, table headers, labels, buttons, links of
    navigation. User data (names, shop names, seeded module names) lives in cells and lists, not here;
    the language picker names each language in that language, on purpose."""

    CHROME = {"title", "header", "nav", "h1", "h2", "h3", "th", "label", "button", "legend", "caption"}
    SKIP = {"option", "select", "script", "style"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"meta", "link", "input", "br", "img", "hr"}:
            attrs = dict(attrs)
            if tag == "input" and attrs.get("type") == "submit" and attrs.get("value"):
                self.texts.append(attrs["value"])
            return
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if (
            data.strip()
            and any(t in self.CHROME for t in self.stack)
            and not any(t in self.SKIP for t in self.stack)
        ):
            self.texts.append(data.strip())


def chrome(html: str) -> list[str]:
    parser = ChromeText()
    parser.feed(html)
    return parser.texts


def untranslated(texts: list[str], data=()) -> list[str]:
    """The texts that still contain Chinese once the given data (names users typed) is taken out."""
    data = sorted((str(d) for d in data), key=len, reverse=True)
    left = []
    for text in texts:
        for name in data:
            text = text.replace(name, "")
        if CJK.search(text):
            left.append(text)
    return left


def training_data() -> list[str]:
    from training.models import QaItem, QaRubric, TrainingModule

    return [
        *TrainingModule.objects.values_list("name", flat=True),
        *TrainingModule.objects.values_list("unit", flat=True),  # "分", "分钟": typed by managers
        *QaRubric.objects.values_list("name", flat=True),
        *QaItem.objects.values_list("name", flat=True),
    ]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def ascii_shop(db):
    return ShopFactory(code="tb-en", platform="taobao", name="Home Textiles Flagship")


@pytest.mark.django_db
def test_the_login_page_is_english(english):
    page = english.get(reverse("login")).content.decode()
    assert 'lang="en"' in page
    texts = chrome(page)
    assert "Sign in to ReviewDesk" in " ".join(texts) and "Username" in texts and "Password" in texts
    assert untranslated(texts) == []


@pytest.mark.django_db
def test_the_home_page_is_english(english, make_user, ascii_shop):
    agent = make_user("agent", shops=[ascii_shop], display_name="Wang Li")
    english.force_login(agent)
    page = english.get(reverse("home")).content.decode()
    texts = chrome(page)
    assert "My work" in texts and "Start my next case" in texts and "Hello, Wang Li" in texts
    assert untranslated(texts) == []


@pytest.mark.django_db
def test_an_agents_training_scorecard_is_english(english, make_user, ascii_shop):
    agent = make_user("agent", shops=[ascii_shop], display_name="Wang Li", employee_code="A001")
    english.force_login(agent)
    page = english.get(reverse("training:my_scorecard")).content.decode()
    texts = chrome(page)
    assert "Current scores and thresholds" in texts and "Threshold" in texts and "QA reviews" in texts
    assert (
        "Not certified for “产品知识”: no score yet." in page
    )  # the module's name is data; the sentence is English
    assert untranslated(texts, data=training_data()) == []


@pytest.mark.django_db
def test_the_supervisors_team_page_is_english(english, make_user, ascii_shop):
    make_user("agent", shops=[ascii_shop], display_name="Wang Li")
    supervisor = make_user("supervisor", shops=[ascii_shop], display_name="Chen Jing")
    english.force_login(supervisor)
    page = english.get(reverse("training:team")).content.decode()
    texts = chrome(page)
    assert "Certification lapses" in texts
    assert untranslated(texts, data=training_data()) == []


@pytest.mark.django_db
def test_the_admin_index_is_english(english, make_user):
    admin_user = make_user(is_staff=True, is_superuser=True, display_name="Admin")
    english.force_login(admin_user)
    page = english.get(reverse("admin:index")).content.decode()
    texts = chrome(page)
    assert "ReviewDesk administration" in texts
    # Chinese has one form for singular and plural, so a model's plural name reads as the singular.
    assert "Training module" in texts or ">Training module<" in page
    assert ">Compensation rule<" in page and ">Settlement period<" in page
    # Section captions are the apps' verbose names, tested below on their own.
    captions = {str(config.verbose_name) for config in apps.get_app_configs()}
    assert untranslated([t for t in texts if t not in captions]) == []


PROJECT_APPS = project_apps()


@pytest.mark.parametrize("label", PROJECT_APPS)
def test_every_app_name_is_translated(label):
    config = apps.get_app_config(label)
    with translation.override("en"):
        name = str(config.verbose_name)
    assert isinstance(config.verbose_name, Promise), f"{label}/apps.py: wrap verbose_name in gettext_lazy"
    assert not CJK.search(name), name
