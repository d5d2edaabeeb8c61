"""``import_reviews`` on a terminal draws a progress bar on stderr, fed by the intake's ``progress``
callback (the one the import job passes); without a terminal, with ``--no-progress`` or ``-v 0`` it
prints exactly what it printed before. Stdout (and ``--json``) never carries the bar."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from cases.models import Review
from tests.cases.exports import TAOBAO_HEADERS, csv_bytes, taobao_row

pytestmark = pytest.mark.usefixtures("policy_pack")


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def export_file(tmp_path):
    path = tmp_path / "taobao.csv"
    path.write_bytes(csv_bytes(TAOBAO_HEADERS, [taobao_row(n) for n in range(1, 4)]))
    return path


def _run(*args, stderr) -> str:
    out = io.StringIO()
    call_command("import_reviews", *args, stdout=out, stderr=stderr)
    return out.getvalue()


def test_on_a_terminal_the_import_draws_a_bar_that_reaches_every_row(shop, export_file):
    err = FakeTTY()

    text = _run(str(export_file), "--shop", shop.code, stderr=err)

    assert "导入: 100%" in err.getvalue()
    assert "3/3" in err.getvalue()
    assert text.startswith("导入完成：3 行；新建 3，")
    assert "%" not in text  # the bar is on stderr only
    assert Review.objects.filter(shop=shop).count() == 3


def test_a_dry_run_on_a_terminal_names_its_bar_check_and_writes_nothing(shop, export_file):
    err = FakeTTY()

    text = _run(str(export_file), "--shop", shop.code, "--dry-run", stderr=err)

    assert "校验: 100%" in err.getvalue()
    assert text.startswith("预演(未写入)完成：3 行；")
    assert Review.objects.count() == 0


def test_without_a_terminal_nothing_but_the_result_is_printed(shop, export_file):
    err = io.StringIO()

    text = _run(str(export_file), "--shop", shop.code, "--json", stderr=err)

    assert err.getvalue() == ""
    assert json.loads(text)["created"] == 3


@pytest.mark.parametrize("quiet", [["--no-progress"], ["-v", "0"]])
def test_no_progress_and_verbosity_0_keep_a_terminal_quiet(shop, export_file, quiet):
    err = FakeTTY()

    text = _run(str(export_file), "--shop", shop.code, *quiet, stderr=err)

    assert err.getvalue() == ""
    assert text.startswith("导入完成：3 行；新建 3，")


def test_a_refused_file_still_exits_2_with_its_errors_and_no_bar_left_behind(shop, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(TAOBAO_HEADERS, [taobao_row(1, 评价时间="not a date")]))
    err = FakeTTY()

    with pytest.raises(CommandError) as refused:
        _run(str(path), "--shop", shop.code, stderr=err)

    assert refused.value.returncode == 2
    assert "%|" not in err.getvalue()  # refused before storing: the bar never had a total
    assert "第2行" in err.getvalue()
    assert Review.objects.count() == 0
