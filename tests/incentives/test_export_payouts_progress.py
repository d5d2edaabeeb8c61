"""``export_payouts`` on a terminal draws a progress bar on stderr that follows the detail rows written
(``export_xlsx`` / ``export_csv``'s ``progress`` callback); without a terminal, with ``--no-progress`` or
``-v 0`` nothing but its summary is printed, and the file is the same bytes either way."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incentives.choices import EntryKind
from incentives.services.payouts import export_csv


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def month(agent, other_agent, post, previous_period):
    post(agent, "1500", period=previous_period, event="verified_conversion", case_ref=1)
    post(agent, "20", period=previous_period)
    post(other_agent, "-30.50", kind=EntryKind.ADJUSTMENT, period=previous_period)
    return previous_period


def _run(*args, stderr) -> str:
    out = io.StringIO()
    call_command("export_payouts", *args, stdout=out, stderr=stderr)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_on_a_terminal_the_bar_reaches_every_detail_row(month, tmp_path, fmt):
    err = FakeTTY()

    text = _run("--period", month.code, "--out", str(tmp_path / f"p.{fmt}"), stderr=err)

    assert "导出: 100%" in err.getvalue()
    assert "3/3" in err.getvalue()
    assert text.startswith(f"已导出薪酬：{month.code}(")
    assert "%" not in text


def test_without_a_terminal_only_the_summary_is_printed_and_the_file_is_unchanged(month, tmp_path):
    quiet, shown = tmp_path / "quiet.xlsx", tmp_path / "shown.xlsx"
    err = io.StringIO()

    quiet_text = _run("--period", month.code, "--out", str(quiet), stderr=err)
    shown_text = _run("--period", month.code, "--out", str(shown), stderr=FakeTTY())

    assert err.getvalue() == ""
    assert quiet_text.replace(str(quiet.resolve()), "F") == shown_text.replace(str(shown.resolve()), "F")
    assert quiet.read_bytes() == shown.read_bytes()


@pytest.mark.parametrize("quiet", [["--no-progress"], ["-v", "0"]])
def test_no_progress_and_verbosity_0_keep_a_terminal_quiet(month, tmp_path, quiet):
    err = FakeTTY()

    text = _run("--period", month.code, "--out", str(tmp_path / "p.xlsx"), *quiet, stderr=err)

    assert err.getvalue() == ""
    assert "  行数：汇总 2 行 + 合计行，明细 3 行(XLSX)" in text.splitlines()


def test_the_export_callback_counts_first_then_tells_every_chunk(month):
    told = []
    export_csv(month.code, io.BytesIO(), progress=lambda done, total: told.append((done, total)))
    assert told[-1] == (3, 3)

    # Without a callback the export counts nothing (no extra query). With one, the row-by-row export
    # counts first (one query); PostgreSQL's single COPY knows its count at the end and asks nothing more.
    with CaptureQueriesContext(connection) as without:
        export_csv(month.code, io.BytesIO())
    with CaptureQueriesContext(connection) as with_progress:
        export_csv(month.code, io.BytesIO(), progress=lambda done, total: None)
    assert len(with_progress) == len(without) + (0 if connection.vendor == "postgresql" else 1)
