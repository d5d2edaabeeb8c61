"""``export_training_scores`` on a terminal draws a progress bar on stderr that counts the scores written
(``export_scores_xlsx``'s ``progress`` callback); without a terminal or with ``--no-progress`` it prints
only where it wrote, and the workbook holds the same rows either way (not the same bytes: openpyxl stamps the
zip entries and the document properties with the time of writing)."""

import io

import openpyxl
import pytest
from django.core.management import call_command

from tests.training.conftest import give_score

pytestmark = pytest.mark.django_db


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def scores(make_user, shop, product_knowledge, negotiation):
    agents = [make_user("agent", shops=[shop]) for _ in range(2)]
    for agent in agents:
        give_score(agent, product_knowledge, "2026-11", 90)
        give_score(agent, negotiation, "2026-11", 70)
    return make_user("supervisor", shops=[shop], username="coach")


def _run(*args, stderr) -> str:
    out = io.StringIO()
    call_command(
        "export_training_scores", "--period", "2026-11", "--user", "coach", *args, stdout=out, stderr=stderr
    )
    return out.getvalue()


def _rows(path) -> list[tuple]:
    return list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))


def test_on_a_terminal_the_bar_counts_every_score(scores, tmp_path):
    err = FakeTTY()

    text = _run("--output", str(tmp_path / "s.xlsx"), stderr=err)

    assert "导出: 100%" in err.getvalue()
    assert "4/4" in err.getvalue()
    assert text == f"已导出到 {tmp_path / 's.xlsx'}\n"


def test_without_a_terminal_nothing_but_the_path_is_printed_and_the_file_is_unchanged(scores, tmp_path):
    err = io.StringIO()

    text = _run("--output", str(tmp_path / "quiet.xlsx"), stderr=err)
    _run("--output", str(tmp_path / "shown.xlsx"), stderr=FakeTTY())

    assert err.getvalue() == ""
    assert text == f"已导出到 {tmp_path / 'quiet.xlsx'}\n"
    assert _rows(tmp_path / "quiet.xlsx") == _rows(tmp_path / "shown.xlsx")
    assert len(_rows(tmp_path / "quiet.xlsx")) == 1 + 4


@pytest.mark.parametrize("quiet", [["--no-progress"], ["-v", "0"]])
def test_no_progress_and_verbosity_0_keep_a_terminal_quiet(scores, tmp_path, quiet):
    err = FakeTTY()

    _run("--output", str(tmp_path / "s.xlsx"), *quiet, stderr=err)

    assert err.getvalue() == ""
    assert (tmp_path / "s.xlsx").stat().st_size > 0


def test_without_user_every_agents_scores_are_exported(scores, make_user, product_knowledge, tmp_path):
    """The help says "默认全部": an operator's run without --user exports every case handler's scores,
    in every shop (it used to crash on the missing user); with --user, only that user's shops'."""
    from openpyxl import load_workbook

    from tests.factories import ShopFactory

    give_score(make_user("agent", shops=[ShopFactory()]), product_knowledge, "2026-11", 60)
    out = io.StringIO()
    call_command(
        "export_training_scores", "--period", "2026-11", "--output", str(tmp_path / "all.xlsx"), stdout=out
    )
    _run("--output", str(tmp_path / "coach.xlsx"), stderr=io.StringIO())

    def data_rows(name):
        return len(list(load_workbook(tmp_path / name).active.iter_rows(values_only=True))) - 1

    assert out.getvalue() == f"已导出到 {tmp_path / 'all.xlsx'}\n"
    assert (data_rows("all.xlsx"), data_rows("coach.xlsx")) == (5, 4)
