"""On PostgreSQL the detail CSV is one COPY; it must say exactly what the Python rows say."""

import csv
import io
from decimal import Decimal

import pytest

from incentives.choices import EntryKind, Unit
from incentives.services.ledger import reversal_post
from incentives.services.payouts import DETAIL_HEADERS, detail_rows, export_csv
from incentives.services.periods import parse_span, period_lock
from tests.training.conftest import make_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TRICKY = [
    "普通说明",
    "含,逗号",
    '含"引号"',
    "多行\n第二行",
    "回车\r之后",
    '=HYPERLINK("http://x","点我")',
    "+86 138",
    "-5",
    "@SUM(A1)",
    "\t缩进",
    "",
    " 前导空格",
]


def _python_rows(span_code, user_ids=None):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(DETAIL_HEADERS)
    writer.writerows(detail_rows(parse_span(span_code), user_ids=user_ids))
    return list(csv.reader(io.StringIO(buffer.getvalue())))


def _copy_rows(span_code, user_ids=None):
    buffer = io.BytesIO()
    result = export_csv(span_code, buffer, user_ids=user_ids)
    data = buffer.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    return result, list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_copy_csv_equals_the_python_rows_with_tricky_text(
    make_user, shop, other_shop, hr, post, previous_period
):
    agent = make_user("agent", shops=[shop], display_name="=cmd|' /C calc'!A0", employee_code="-A1")
    other = make_user("agent", shops=[other_shop], display_name="李明", employee_code="A002")
    case = make_case(shop, assignee=agent)
    case.review.buyer_nick, case.review.order_no, case.review.item_title = (
        '@买家,"昵称"',
        "+123",
        "床单\n四件套",
    )
    case.review.save(update_fields=["buyer_nick", "order_no", "item_title"])
    for n, note in enumerate(TRICKY):
        post(
            agent if n % 2 else other,
            "50",
            period=previous_period,
            event="verified_conversion",
            case_ref=case.pk if n % 3 else None,
            note=note,
        )
    post(agent, 30, unit=Unit.POINTS, period=previous_period, event="handled_within_sla")
    post(agent, "-7.25", kind=EntryKind.ADJUSTMENT, period=previous_period, note="调整")
    reversal_post(
        entry=post(agent, "50", period=previous_period, event="verified_conversion"), reason="买家改回"
    )

    result, copied = _copy_rows(previous_period.code)

    expected = _python_rows(previous_period.code)
    assert copied == expected
    assert result["rows"] == len(expected) - 1
    assert any(row[2] == "'=cmd|' /C calc'!A0" and row[12] == '\'@买家,"昵称"' for row in copied[1:])
    only_other = {other.pk}
    assert _copy_rows(previous_period.code, only_other)[1] == _python_rows(previous_period.code, only_other)
    period_lock(period=previous_period, by=hr)
    first, second = io.BytesIO(), io.BytesIO()
    export_csv(previous_period.code, first)
    export_csv(previous_period.code, second)
    assert first.getvalue() == second.getvalue()
    assert Decimal(sum(Decimal(row[7]) for row in copied[1:])) == sum(Decimal(row[7]) for row in expected[1:])
