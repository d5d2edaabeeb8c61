"""The error pages: the 500 page renders without the database (it may be what failed), says so in
Chinese and English, and shows nothing of the error; 404 is the app's page, not Django's."""

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.urls import path
from django.views.defaults import server_error


def boom(request):
    raise OperationalError("server closed the connection unexpectedly: secret-table cases_review")


urlpatterns = [path("boom/", boom)]


def test_the_500_page_renders_without_touching_the_database(settings):
    """No ``db`` fixture: pytest-django fails any query made here."""
    settings.DEBUG = False
    response = server_error(RequestFactory().get("/cases/queue/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "<h1>服务器出错了 (500)</h1>" in body
    assert '<h2 lang="en">Server error (500)</h2>' in body
    assert 'href="/static/css/app.css"' in body


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_database_error_in_a_view_answers_the_500_page_without_details(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错了 (500)" in body and "Server error (500)" in body
    for leak in ("OperationalError", "secret-table", "cases_review", "Traceback"):
        assert leak not in body


@pytest.mark.django_db
def test_an_unknown_page_answers_the_apps_404_page(settings):
    settings.DEBUG = False
    response = Client().get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "<h1>页面不存在 (404)</h1>" in body
    assert "中差评工作台" in body  # the app's frame (base.html), not Django's bare "Not Found"
