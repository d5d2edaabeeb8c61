"""The external contact's answer link: signed, expiring, single use, bound to its order. A tampered,
expired, used or misdirected link shows why and changes nothing; a good one takes one answer with files."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent
from tests.workorders.support import PNG, contact, open_case, raise_order
from workorders.choices import WorkOrderStatus
from workorders.models import ExternalLink, WorkOrder
from workorders.queries import external_path
from workorders.services import link_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


@pytest.fixture
def order(shop, agent):
    case = open_case(shop, agent)
    return raise_order(case, agent, "supplier", "confirm_defect", contact_id=contact().pk)


def url_of(order, token=None, pk=None):
    token = token or link_token(ExternalLink.objects.get(work_order=order))
    return external_path(pk or order.pk, token)


def unchanged(order) -> bool:
    order.refresh_from_db()
    return (
        order.status == WorkOrderStatus.OPEN
        and not CaseEvent.objects.filter(case_id=order.case_id, action="work_order_answered").exists()
    )


def test_the_contact_answers_once_without_an_account(client, order, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = client.get(url_of(order))
    assert page.status_code == 200
    html = page.content.decode()
    assert "华东供应商" in html and "确认质量问题" in html and "请核实SKU" in html

    done = client.post(
        url_of(order),
        {
            "answer": "批次B12面料有瑕疵",
            "responsibility": "supplier",
            "files": [SimpleUploadedFile("质检.png", PNG)],
        },
    )

    assert done.status_code == 200 and "答复已提交" in done.content.decode()
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.ANSWERED and order.answered_by_contact.name == "华东供应商"
    assert order.answered_by is None and order.attachments.get().of_answer is True
    assert Case.objects.get(pk=order.case_id).responsibility == "supplier"
    assert ExternalLink.objects.get(work_order=order).used_at is not None

    again = client.post(url_of(order), {"answer": "再答一次"})
    assert again.status_code == 410 and "已经用过" in again.content.decode()
    order.refresh_from_db()
    assert order.answer == "批次B12面料有瑕疵"


def test_an_expired_link_is_refused(client, order):
    ExternalLink.objects.filter(work_order=order).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.post(url_of(order), {"answer": "迟到的答复"})
    assert response.status_code == 410 and "已过期" in response.content.decode()
    assert "请核实SKU" not in response.content.decode()
    assert unchanged(order)


def test_a_tampered_token_is_refused(client, order):
    token = link_token(ExternalLink.objects.get(work_order=order))
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.post(url_of(order, token=forged), {"answer": "伪造"})
    assert response.status_code == 410 and "链接无效" in response.content.decode()
    assert unchanged(order)


def test_a_token_under_another_orders_id_is_refused(client, order, shop, agent):
    other = raise_order(
        open_case(shop, agent), agent, "supplier", "confirm_defect", contact_id=contact(name="乙").pk
    )
    token = link_token(ExternalLink.objects.get(work_order=order))
    response = client.post(url_of(other, token=token), {"answer": "答错了单"})
    assert response.status_code == 410 and "链接无效" in response.content.decode()
    assert unchanged(order) and unchanged(other)


def test_an_empty_answer_is_refused_and_the_link_stays_usable(client, order):
    response = client.post(url_of(order), {"answer": "   "})
    assert response.status_code == 400 and "请填写答复" in response.content.decode()
    assert unchanged(order) and ExternalLink.objects.get(work_order=order).used_at is None


def test_the_case_page_panel_offers_the_link_to_the_cases_people(client, order, agent):
    client.force_login(agent)
    panel = client.get(reverse("workorders:case_panel", kwargs={"case_id": order.case_id})).content.decode()
    assert url_of(order) in panel


def test_an_order_without_contact_has_no_link(shop, agent):
    order = raise_order(open_case(shop, agent), agent)
    assert not ExternalLink.objects.filter(work_order=order).exists()
    assert WorkOrder.objects.get(pk=order.pk).contact is None
