"""The admin: an account's key secret is never shown again and stored encrypted; a template that induces
reviews is refused on save; an alert number is shown masked."""

import pytest
from django.db import connection

from outreach.models import SmsAccount, SmsTemplate, SupervisorPhone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("policy_pack")]

SECRET = "very-secret-key-1234567890"


@pytest.fixture
def admin_client(client, make_user):
    user = make_user(None, is_superuser=True, is_staff=True)
    client.force_login(user)
    return client


def test_the_key_secret_is_write_only_and_encrypted(admin_client, shop, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    data = {
        "name": "阿里云",
        "provider": "aliyun",
        "shop": shop.pk,
        "client": "",
        "endpoint": "",
        "region": "",
        "access_key_id": "LTAI5t",
        "access_key_secret": SECRET,
        "app_id": "",
        "sign_name": "好店",
        "alert_hourly_cap": 10,
        "active": "on",
    }
    response = admin_client.post("/admin/outreach/smsaccount/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    account = SmsAccount.objects.get()
    assert account.access_key_secret == SECRET
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_key_secret FROM outreach_smsaccount")
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:") and SECRET not in raw
    page = admin_client.get(f"/admin/outreach/smsaccount/{account.pk}/change/").content.decode()
    assert SECRET not in page
    assert "出于安全不再显示" in page
    response = admin_client.post(
        f"/admin/outreach/smsaccount/{account.pk}/change/", {**data, "access_key_secret": ""}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.access_key_secret == SECRET  # left empty: kept


def test_a_template_inducing_reviews_is_refused_on_save(admin_client):
    data = {
        "code": "care_3d",
        "name": "关怀",
        "purpose": "care",
        "provider": "aliyun",
        "template_code": "SMS_1",
        "sign_name": "",
        "text": "亲，{shop_name}好评返券，欢迎再次光临~",
        "active": "on",
    }
    response = admin_client.post("/admin/outreach/smstemplate/add/", data)
    assert response.status_code == 200
    assert "好评返券" in response.content.decode()
    assert SmsTemplate.objects.count() == 0
    response = admin_client.post("/admin/outreach/smstemplate/add/", {**data, "text": "亲，{unknown}你好"})
    assert "不支持的占位符" in response.content.decode()
    assert SmsTemplate.objects.count() == 0
    response = admin_client.post(
        "/admin/outreach/smstemplate/add/", {**data, "text": "亲，感谢您对{shop_name}的支持~"}
    )
    assert response.status_code == 302
    assert SmsTemplate.objects.count() == 1


def test_an_alert_number_is_shown_masked(admin_client, make_user):
    boss = make_user("supervisor")
    row = SupervisorPhone.objects.create(user=boss, phone="13900001111", phone_masked="139****1111")
    page = admin_client.get(f"/admin/outreach/supervisorphone/{row.pk}/change/").content.decode()
    assert "13900001111" not in page
    assert "139****1111" in page
