"""The admin's history pages (django-simple-history) answer 404 to an id that is not one, for every
ModelAdmin that shows a history (found from the admin site, so a new one is covered), instead of 500."""

import pytest
from django.contrib import admin
from django.test import Client
from simple_history.admin import SimpleHistoryAdmin

pytestmark = pytest.mark.django_db

HISTORY_ADMINS = sorted(
    f"{model._meta.app_label}/{model._meta.model_name}"
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, SimpleHistoryAdmin)
)


def test_every_history_admin_is_guarded():
    from reviewdesk.history_admin import HistoryAdmin

    assert len(HISTORY_ADMINS) >= 10  # the policy rules, the training matrix, award rules and rewards
    unguarded = [
        m
        for m, a in admin.site._registry.items()
        if isinstance(a, SimpleHistoryAdmin) and not isinstance(a, HistoryAdmin)
    ]
    assert unguarded == []


@pytest.mark.parametrize("path", HISTORY_ADMINS)
@pytest.mark.parametrize("tail", ["abc/history/", "1/history/abc/", "abc/history/1/", "1/history/99999999/"])
def test_a_history_url_with_a_bad_id_is_404(make_user, path, tail):
    root = make_user(is_superuser=True, is_staff=True)
    client = Client(raise_request_exception=False)
    client.force_login(root)
    response = client.get(f"/admin/{path}/{tail}")
    assert response.status_code == 404
