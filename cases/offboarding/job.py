"""The client export as a job (kind ``client_export``, registered in ``cases.apps``): ``params`` name the
client by code; the job checks its owner's right when it runs (``access.offboard_refusal``), not only when
it was started, and keeps the zip as its result (the owner downloads it from the job's page)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.offboarding.access import may_offboard, offboard_refusal
from cases.offboarding.export import client_export
from jobs.runner import Outcome
from reviewdesk.models import Client

may_start = may_offboard


def run(job, ctx) -> Outcome:
    client = Client.objects.filter(code=job.params.get("client", "")).first()
    if client is None:
        return Outcome(_("没有这个品牌方。"), ok=False)
    refusal = offboard_refusal(job.owner, client)
    if refusal:
        return Outcome(refusal, ok=False)
    ctx.progress(0, 0, stage="write")
    archive, counts = client_export(client, progress=ctx.progress, check=ctx.check)
    name = f"client-{client.code}.zip"
    ctx.attach(name, archive, "application/zip")
    return Outcome(_("已导出品牌方 %(name)s 的全部数据，可下载。") % {"name": client.name}, counts=counts)
