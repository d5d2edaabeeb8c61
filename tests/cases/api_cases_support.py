"""Builders for the cases API tests: API clients logged in by session or by token, and the URLs.
Refusal tests compare tests.cases.workflow_factories.snapshot before and after."""

from __future__ import annotations

from rest_framework.test import APIClient

from cases.models import ApiToken
from cases.models.intake import hash_token_key


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def token_client(user, shops) -> APIClient:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(name="sync", user=user, prefix=key[:8], key_hash=hash_token_key(key))
    token.shops.set(shops)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def case_url(case_or_id) -> str:
    return f"/api/v1/cases/{getattr(case_or_id, 'pk', case_or_id)}/"


def action_url(case_or_id, action: str) -> str:
    return f"{case_url(case_or_id)}actions/{action}/"
