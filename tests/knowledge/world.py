"""Rows of the knowledge app for the access matrix's world (tests/hardening/access_support.py)."""

from __future__ import annotations

from knowledge.models import ProductLine


def knowledge_rows() -> None:
    """Issue #23: a product line (global) for its admin pages."""
    ProductLine.objects.create(code="world-line", name="世界产品线")
