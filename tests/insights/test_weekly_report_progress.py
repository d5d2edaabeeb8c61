"""``weekly_report`` on a terminal draws a progress bar on stderr over its steps (the figures, the
workbook, the stored report); without a terminal, with ``--no-progress`` or ``-v 0`` it prints what it
printed before."""

import io

import pytest
from django.core.management import CommandError, call_command

from insights.models import WeeklyReport

pytestmark = pytest.mark.django_db


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(*args, stderr) -> str:
    out = io.StringIO()
    call_command("weekly_report", "--week", "2026-W47", *args, stdout=out, stderr=stderr)
    return out.getvalue()


def test_on_a_terminal_the_bar_counts_the_steps(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    err = FakeTTY()

    text = _run("--out", str(tmp_path / "w.xlsx"), "--store", stderr=err)

    assert "周报: 100%" in err.getvalue() and "3/3" in err.getvalue()
    assert text.splitlines()[0] == f"2026-W47 全部店铺: 中差评 0 条 → {tmp_path / 'w.xlsx'}"
    assert WeeklyReport.objects.filter(week="2026-W47").count() == 1


def test_without_a_terminal_only_the_result_is_printed(tmp_path):
    err = io.StringIO()

    text = _run("--out", str(tmp_path / "w.xlsx"), stderr=err)

    assert err.getvalue() == ""
    assert text == f"2026-W47 全部店铺: 中差评 0 条 → {tmp_path / 'w.xlsx'}\n"


@pytest.mark.parametrize("quiet", [["--no-progress"], ["-v", "0"]])
def test_no_progress_and_verbosity_0_keep_a_terminal_quiet(tmp_path, quiet):
    err = FakeTTY()

    _run("--out", str(tmp_path / "w.xlsx"), *quiet, stderr=err)

    assert err.getvalue() == ""
    assert (tmp_path / "w.xlsx").exists()


def test_a_missing_folder_is_refused_before_any_work(tmp_path):
    err = FakeTTY()

    with pytest.raises(CommandError, match="目录不存在"):
        _run("--out", str(tmp_path / "missing" / "w.xlsx"), stderr=err)
    assert err.getvalue() == ""
    assert not (tmp_path / "missing").exists()
