"""The queue's markup built in Python for speed (the row tag, the filter bar's selects) says what the
templates said, and escapes whatever buyers type."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from cases.web.forms.queue import QuickSelect
from tests.cases.routing_support import make_case, sla_fields

pytestmark = pytest.mark.django_db


class Cells(HTMLParser):
    """The text of every <td> of the queue's table body, and the rows' data-href."""

    def __init__(self):
        super().__init__()
        self.rows, self.hrefs, self._in_body, self._cell = [], [], False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
            self.hrefs.append(attrs.get("data-href"))
        elif self._in_body and tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _cells(html: str) -> Cells:
    parser = Cells()
    parser.feed(html.split('id="queue-results"', 1)[1])
    return parser


def test_a_queue_row_shows_every_column_and_escapes_the_buyers_text(client, make_user, shop):
    agent = make_user("agent", shops=[shop])
    now = timezone.now()
    case = make_case(
        shop,
        assignee=agent,
        status="assigned",
        content='<script>alert("x")</script>差评',
        is_malicious=True,
        **sla_fields(start=now - dt.timedelta(minutes=90), minutes=60),
    )
    client.force_login(agent)

    body = client.get(reverse("cases:queue")).content.decode()
    parsed = _cells(body)

    assert (
        '<script>alert("x")</script>' not in body
        and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    )
    assert parsed.hrefs == [f"/cases/{case.pk}/"]
    urgency, deadline, number, review, issue, status, shop_cell, tier, order = parsed.rows[
        0
    ]  # no assignee column
    assert urgency == "已超时" and deadline.startswith("超时 ")
    assert number == f"#{case.pk} 疑似恶意"
    assert review == '1★ <script>alert("x")</script>差评'  # the text, shown as text
    assert (issue, status) == ("—", "已分配")
    assert shop_cell == f"{shop.name}{shop.get_platform_display()}"
    assert tier == "其他问题(24小时)"
    assert order == f"{case.review.order_no}{case.review.buyer_nick}"


def test_the_shop_queue_has_an_assignee_column(client, make_user, shop):
    supervisor = make_user("supervisor", shops=[shop])
    make_case(shop, status="new")
    client.force_login(supervisor)

    parsed = _cells(client.get(reverse("cases:queue_shop")).content.decode())

    # 11 cells: the bulk actions' checkbox first (a supervisor's queue), then the ten columns.
    assert len(parsed.rows) == 1 and len(parsed.rows[0]) == 11 and parsed.rows[0][-1] == "—"


class Options(HTMLParser):
    def __init__(self):
        super().__init__()
        self.select, self.options = None, []

    def handle_starttag(self, tag, attrs):
        if tag == "select":
            self.select = dict(attrs)
        elif tag == "option":
            self.options.append(dict(attrs))


@pytest.mark.parametrize("value", [None, "", "2", 2, "<b>"])
def test_quick_select_renders_what_djangos_select_renders(value):
    choices = [("", "全部"), (1, "淘宝<旗舰>店"), (2, '抖店"二号"'), ("<b>", "<b>粗体</b>")]
    attrs = {"id": "id_shop", "aria-invalid": "true"}
    ours, theirs = Options(), Options()
    ours.feed(QuickSelect(choices=choices).render("shop", value, attrs))
    theirs.feed(forms.Select(choices=choices).render("shop", value, attrs))

    assert ours.select == theirs.select == {"name": "shop", "id": "id_shop", "aria-invalid": "true"}
    assert ours.options == theirs.options
    html = QuickSelect(choices=choices).render("shop", value, attrs)
    assert "<b>" not in html and html.count("&lt;b&gt;") == 2  # the value and the label, escaped
