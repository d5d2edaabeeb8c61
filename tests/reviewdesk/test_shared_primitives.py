"""The shared primitives (issue 16 §4): one money module, one period-code reader, one JSON conversion;
every setting the code reads is declared in settings.py, and importing the settings creates nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import global_settings, settings
from django.core.exceptions import ValidationError

from incentives.services.periods import parse_span
from insights.periods import parse_week
from reviewdesk import settings as project_settings
from reviewdesk.jsonenc import jsonable
from reviewdesk.money import MONEY, format_cny, quantize_cny
from reviewdesk.periods import MONTH, QUARTER, WEEK, parse_period_code, read_period_code
from tests.project_apps import project_apps
from training.periods import parse_period

# django_db: the suite's autouse fixtures replay seed rows into the test database.
pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
APPS = project_apps()


# --- money -------------------------------------------------------------------------------------------


def test_amounts_round_half_up_to_the_cent_and_are_written_with_two_places():
    assert quantize_cny(Decimal("18.005")) == Decimal("18.01")  # the decimal context would say 18.00
    assert quantize_cny(Decimal("18.015")) == Decimal("18.02")
    assert quantize_cny(Decimal("-1.005")) == Decimal("-1.01")
    assert quantize_cny(None) == Decimal("0.00") and quantize_cny(7) == Decimal("7.00")
    assert [format_cny(v) for v in (Decimal("18"), Decimal("18.005"), "0.1", None)] == [
        "18.00",
        "18.01",
        "0.10",
        "0.00",
    ]


def test_every_amount_field_is_the_one_definition():
    from cases.models import CompensationOffer, Review
    from policies.models import CompensationOption

    fields = [
        Review._meta.get_field("order_amount"),
        Review._meta.get_field("shipping_fee"),
        CompensationOffer._meta.get_field("amount"),
        CompensationOption._meta.get_field("cost_cap"),
    ]
    assert {(f.max_digits, f.decimal_places) for f in fields} == {
        (MONEY["max_digits"], MONEY["decimal_places"])
    }


def test_the_engine_dashboard_and_case_page_write_amounts_the_same_way():
    from cases.imports.triage import _money as triage_money
    from cases.queries.case_page import _money
    from policies.engine.explain import to_jsonable

    value = Decimal("18.005")
    assert _money(value) == triage_money(value) == to_jsonable(value) == jsonable(value) == "18.01"
    assert _money(None) == "" and triage_money(None) is None


# --- periods -----------------------------------------------------------------------------------------


def test_the_forgiving_reader_takes_what_people_type():
    assert parse_period_code(" 2026-1 ", (MONTH,)).code == "2026-01"
    assert parse_period_code("2026-q4", (MONTH, QUARTER)).months == ((2026, 10), (2026, 11), (2026, 12))
    assert parse_period_code("2026w5", (WEEK,)).code == "2026-W05"
    assert parse_period_code("2026-13", (MONTH,)) is None
    assert parse_period_code("1999-11", (MONTH,)) is None
    assert parse_period_code("2026-W54", (WEEK,)) is None
    assert parse_period_code("2026-Q4", (MONTH, WEEK)) is None  # a kind the caller does not take
    code = parse_period_code("2024-02", (MONTH,))
    assert (code.first_day, code.last_day) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    week = parse_period_code("2026-W01", (WEEK,))
    assert (week.first_day, week.last_day) == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))


def test_the_canonical_reader_takes_only_the_canonical_spelling():
    assert read_period_code("2026-W47", (WEEK,), canonical=True).number == 47
    assert read_period_code("2026-w47", (WEEK,), canonical=True) is None
    assert read_period_code("2026-W7", (WEEK,), canonical=True) is None
    assert read_period_code("2025-W53", (WEEK,), canonical=True).exists(years=None) is False


def test_each_caller_keeps_its_inputs_and_its_message():
    assert parse_period(" 2026-w5 ").key == "2026-W05"
    assert parse_period("2026-2").end == dt.date(2026, 2, 28)
    with pytest.raises(ValidationError, match="月度写作 2026-11"):
        parse_period("2026-Q4")
    assert parse_span("2026-q4").code == "2026-Q4"
    assert parse_span("2026-3").months == ((2026, 3),)
    with pytest.raises(ValidationError) as refused:
        parse_span("2026-W47")
    assert refused.value.params == {"code": "2026-W47"}
    assert parse_week(" 2026-W47 ").key == "2026-W47"
    for text in ("2026-w47", "2026W47", "2026-W7"):
        with pytest.raises(ValidationError, match="周次格式"):
            parse_week(text)
    with pytest.raises(ValidationError, match="没有第53周"):
        parse_week("2025-W53")


# --- JSON --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Sample:
    at: dt.datetime
    amounts: tuple


def test_one_conversion_for_payloads_and_decisions():
    at = dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.UTC)
    value = {1: _Sample(at=at, amounts=(Decimal("1.5"), None)), "day": dt.date(2026, 11, 5)}
    assert jsonable(value) == {
        "1": {"at": "2026-11-05T02:00:00+00:00", "amounts": ["1.50", None]},
        "day": "2026-11-05",
    }
    shanghai = jsonable(value, tz=ZoneInfo("Asia/Shanghai"), extra=lambda d: {"kind": "sample"})
    assert shanghai["1"] == {"at": "2026-11-05T10:00:00+08:00", "amounts": ["1.50", None], "kind": "sample"}


# --- settings ----------------------------------------------------------------------------------------


def test_every_setting_the_code_reads_is_declared():
    reads_with_default = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if re.search(r"getattr\(\s*settings\s*,", path.read_text(encoding="utf-8")):
                reads_with_default.append(str(path.relative_to(ROOT)))
    assert reads_with_default == []
    for name in (
        "SITE_URL",
        "NOTIFY_HTTP_TIMEOUT",
        "NOTIFY_MAX_ATTEMPTS",
        "ALERT_DIGEST_THRESHOLD",
        "OUTBOUND_ALLOWED_HOSTS",
        "OUTBOUND_REQUIRE_HTTPS",
        "OUTBOUND_MAX_RESPONSE_BYTES",
    ):
        assert hasattr(project_settings, name) and not hasattr(global_settings, name), name


def _scratch_env(var: Path) -> dict:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ENV", "DEBUG", "STATIC_ROOT")
    }
    return {**env, "DJANGO_SETTINGS_MODULE": "reviewdesk.settings", "REVIEWDESK_VAR_DIR": str(var)}


def test_importing_the_settings_creates_no_folder(tmp_path):
    var, static = tmp_path / "var", tmp_path / "static"
    env = {**_scratch_env(var), "STATIC_ROOT": str(static)}
    script = "import reviewdesk.settings as s; print(s.VAR_DIR)"
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(var)
    assert list(tmp_path.iterdir()) == []


def test_the_project_makes_the_sqlite_folder_when_it_starts(tmp_path):
    var, static = tmp_path / "var", tmp_path / "static"
    env = {**_scratch_env(var), "STATIC_ROOT": str(static)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "auth", "-v0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert (var / "reviewdesk.sqlite3").is_file()
    assert static.is_dir()  # development (DEBUG): WhiteNoise finds its folder


@pytest.mark.parametrize(
    "upload_to, owner, folder",
    [
        ("cases.models.workflow.evidence_path", {"case_id": 7}, "evidence/7/"),
        ("knowledge.models.attachment_path", {"article_id": 8}, "knowledge/8/"),
        ("workorders.models.attachment_path", {"work_order_id": 9}, "workorders/9/"),
        ("jobs.models.result_path", {"pk": 10}, "jobs/10/"),
    ],
)
def test_every_stored_file_gets_a_random_name_under_its_owners_folder(upload_to, owner, folder):
    from types import SimpleNamespace

    from django.utils.module_loading import import_string

    path = import_string(upload_to)
    first = path(SimpleNamespace(**owner), "买家 聊天截图.PNG")
    second = path(SimpleNamespace(**owner), "买家 聊天截图.PNG")
    assert re.fullmatch(re.escape(folder) + r"[0-9a-f]{32}\.png", first), first
    assert first != second  # random: one name never overwrites another
    long_suffix = path(SimpleNamespace(**owner), "x.ABCDEFGHIJKLMN")
    assert long_suffix.endswith(".abcdefghi") and "买家" not in first
