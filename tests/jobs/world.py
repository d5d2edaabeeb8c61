"""A job of the jobs app for the access matrix's world (tests/hardening/access_support.py)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from jobs.models import Job


def job_row(owner, shop) -> Job:
    """A finished job of shop A's supervisor with its result file (jobs: owner and shop overseers see it)."""
    job = Job.objects.create(
        kind="payout_export",
        owner=owner,
        shop=shop,
        state="done",
        file_name="a.csv",
        content_type="text/csv",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    job.file.save("a.csv", ContentFile(b"a\n"))
    return job
