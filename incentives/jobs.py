"""The payout export (XLSX or CSV) of a period or a quarter as a job (kind ``payout_export``, registered
in ``incentives.apps``), for the shops its owner may see.

The writer is ``incentives.services.payouts`` (its speed is its own business); the job writes into a
temporary file and keeps it as the result until it expires. The scope is read when the job runs, from
the owner's rights then (``incentives.selectors.payout_scope``); a job started for a client (品牌方,
``params["client"]``: its code) exports that client's shops within the owner's reach then, and fails,
writing nothing, when the owner no longer serves the client.
"""

from __future__ import annotations

import tempfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from incentives.choices import ExportFormat
from incentives.selectors import payout_client, payout_scope
from incentives.services.payouts import export_csv, export_filename, export_xlsx
from jobs.runner import Outcome

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def run(job, ctx) -> Outcome:
    params = job.params
    span_code, fmt = params["span"], params["fmt"]
    sheet = "summary" if params.get("sheet") == "summary" else "detail"
    if not job.owner.is_active or not job.owner.has_perm("incentives.export_payouts"):
        return Outcome(_("你没有导出结算明细的权限。"), ok=False)
    try:
        client = payout_client(job.owner, params.get("client"))
    except ValidationError as exc:
        return Outcome(exc.messages[0], ok=False)
    shop_ids = payout_scope(job.owner, client)
    ctx.progress(0, 0, stage="write")
    out = tempfile.TemporaryFile(prefix="reviewdesk-payouts-")
    if fmt == ExportFormat.CSV:
        export_csv(span_code, out, sheet=sheet, shop_ids=shop_ids)
        content_type = "text/csv; charset=utf-8"
    else:
        export_xlsx(span_code, out, shop_ids=shop_ids)
        content_type = XLSX_TYPE
    ctx.check()
    size = out.tell()
    out.seek(0)
    name = export_filename(span_code, fmt, sheet, client)
    ctx.attach(name, out, content_type)
    return Outcome(_("已生成 %(name)s，可下载。") % {"name": name}, counts={"bytes": size})
