"""Issue #15 §4: ``export_payouts`` ends with a summary a person reads (period, shops, rows, agents,
total CNY, file), not a Python dict."""

import io

import pytest
from django.core.management import CommandError, call_command

from incentives.choices import EntryKind
from incentives.services.periods import period_lock


@pytest.fixture
def month(agent, other_agent, post, previous_period):
    post(agent, "1500", period=previous_period, event="verified_conversion", case_ref=1)
    post(agent, "20", period=previous_period)
    post(other_agent, "-30.50", kind=EntryKind.ADJUSTMENT, period=previous_period)
    return previous_period


def _run(*args) -> str:
    out = io.StringIO()
    call_command("export_payouts", *args, stdout=out)
    return out.getvalue()


def test_the_xlsx_export_prints_a_readable_summary(month, hr, tmp_path):
    period_lock(period=month, by=hr)
    target = tmp_path / "payouts.xlsx"

    text = _run("--period", month.code, "--out", str(target))

    assert text.splitlines() == [
        f"已导出薪酬：{month.code}({month.code} 已锁定)",
        "  店铺：全部店铺",
        "  行数：汇总 2 行 + 合计行，明细 3 行(XLSX)",
        "  人数：2(应发合计为负：1)",
        "  应发合计：1,489.50 CNY",
        f"  文件：{target.resolve()}",
    ]
    assert "{" not in text and "'" not in text


def test_the_csv_exports_say_which_sheet_and_scope(month, tmp_path):
    detail = _run(
        "--period", month.code, "--format", "csv", "--shop", "tb-main", "--out", str(tmp_path / "d.csv")
    )
    summary = _run(
        "--period", month.code, "--format", "csv", "--sheet", "summary", "--out", str(tmp_path / "s.csv")
    )

    assert detail.splitlines()[:5] == [
        f"已导出薪酬：{month.code}({month.code} 开放)",
        "  店铺：tb-main",
        "  行数：明细 2 行(CSV)",
        "  人数：1(应发合计为负：0)",
        "  应发合计：1,520.00 CNY",
    ]
    assert summary.splitlines()[2:5] == [
        "  行数：汇总 2 行(CSV)",
        "  人数：2(应发合计为负：1)",
        "  应发合计：1,489.50 CNY",
    ]


def test_a_quarter_names_its_months(agent, post, previous_period, current_period, tmp_path):
    post(agent, "10", period=previous_period)
    quarter = previous_period.quarter_code
    text = _run("--period", quarter.lower(), "--out", str(tmp_path / "q.xlsx"))
    assert text.splitlines()[0].startswith(f"已导出薪酬：{quarter}(")
    assert f"{previous_period.code} 开放" in text.splitlines()[0]


def test_an_unwritable_file_is_a_clear_error(month, tmp_path):
    with pytest.raises(CommandError, match="无法写入文件"):
        _run("--period", month.code, "--out", str(tmp_path / "missing" / "p.xlsx"))
