"""Everything of a client as one zip: ``<code>.xlsx`` (a sheet per kind of row), ``<code>.json`` (the same
rows, one JSON document) and ``policies/<layer>.xlsx`` (the policy pack in force for its shops, each layer
as ``policies.pack.export_pack`` writes it).

The rows are read in chunks and written as they are read (openpyxl's write-only workbook; the JSON is
streamed into its zip entry), so memory stays flat at any number of cases; the zip is spooled to disk.
Every column of each model is written as stored, except buyers' personal data, which leaves only as
``reviewdesk.pii`` masks it (the platform holds the originals; the hand-over is no channel for phone
numbers): the phone and address masked, the IP left out, free text masked (``cases.workflow.masking``),
a timeline payload without its contact keys (``reviewdesk.pii.PAYLOAD_HIDDEN``). Text cells go through
``reviewdesk.spreadsheets.safe_cell`` (no formula reaches a spreadsheet).
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _

from cases.models import (
    Appeal,
    Case,
    CaseEvent,
    CompensationOffer,
    ContactAttempt,
    Reply,
    Review,
    ReviewRevision,
)
from cases.workflow.masking import FREE_TEXT_FIELDS, mask_contact_values
from reviewdesk.jsonenc import jsonable
from reviewdesk.models import Client, Shop
from reviewdesk.pii import PAYLOAD_HIDDEN, mask_address, mask_free_text, mask_phone
from reviewdesk.spreadsheets import safe_cell

CHUNK = 2000
LEFT_OUT = frozenset({"buyer_ip"})  # personal, and of no use to the client


@dataclass(frozen=True)
class Part:
    key: str  # the JSON key
    sheet: str  # the sheet's name (Chinese, as the pack's)
    model: type[models.Model]
    to_client: str  # the lookup from a row to its client


def parts() -> list[Part]:
    return [
        Part("cases", str(_("案件")), Case, "shop__client"),
        Part("reviews", str(_("评价")), Review, "shop__client"),
        Part("revisions", str(_("评价变更")), ReviewRevision, "review__shop__client"),
        Part("timeline", str(_("时间线")), CaseEvent, "case__shop__client"),
        Part("contacts", str(_("联系记录")), ContactAttempt, "case__shop__client"),
        Part("replies", str(_("回复记录")), Reply, "case__shop__client"),
        Part("offers", str(_("补偿方案")), CompensationOffer, "case__shop__client"),
        Part("appeals", str(_("申诉")), Appeal, "case__shop__client"),
    ]


def _fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in LEFT_OUT]


def _masked(model, field: models.Field, value):
    """A stored value as it leaves the system (see the module's docstring)."""
    if value in (None, ""):
        return value
    name = field.name
    if name == "buyer_phone":
        return mask_phone(value)
    if name == "buyer_address":
        return mask_address(value)
    if model is Review and name in FREE_TEXT_FIELDS:
        return mask_free_text(value)
    if model is ReviewRevision and name in ("before", "after"):
        return {k: v for k, v in mask_contact_values(value).items() if k not in LEFT_OUT}
    if model is CaseEvent and name == "payload" and isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in PAYLOAD_HIDDEN}
    if model in (Reply, ContactAttempt) and name in ("text", "note"):
        return mask_free_text(value)
    return value


def _rows(part: Part, client: Client):
    fields = _fields(part.model)
    names = [f.attname for f in fields]
    queryset = part.model.objects.filter(**{part.to_client: client}).order_by("pk").values_list(*names)
    for values in queryset.iterator(chunk_size=CHUNK):
        yield [_masked(part.model, f, v) for f, v in zip(fields, values, strict=True)]


def _xlsx_value(value):
    if isinstance(value, dict | list):
        return safe_cell(json.dumps(jsonable(value), ensure_ascii=False))
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: UTC, as the header says
    return safe_cell(value)


def client_export(
    client: Client,
    *,
    progress: Callable[[int, int], None] | None = None,
    check: Callable[[], None] | None = None,
):
    """The client's zip as a spooled temporary file (rewound), and the number of rows of each part.
    ``progress(done, total)`` is told after each part (and each policy layer); ``check()`` (a job's
    cancellation) between chunks."""
    from openpyxl import Workbook

    from policies.layers import CLIENT, GLOBAL, SHOP, Layer
    from policies.pack import export_pack

    shops = list(Shop.objects.filter(client=client).order_by("code"))
    layers = [Layer(GLOBAL), Layer(CLIENT, client=client), *(Layer(SHOP, shop=shop) for shop in shops)]
    todo = parts()
    total, done = len(todo) + len(layers), 0
    counts: dict[str, int] = {}
    out = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        workbook = Workbook(write_only=True)
        with archive.open(f"{client.code}.json", "w", force_zip64=True) as raw:
            head = {
                "client": {"code": client.code, "name": client.name},
                "shops": [
                    {"id": s.pk, "code": s.code, "name": s.name, "platform": s.platform} for s in shops
                ],
                "times": "UTC",
            }
            raw.write(json.dumps(head, ensure_ascii=False)[:-1].encode())
            for part in todo:
                fields = _fields(part.model)
                sheet = workbook.create_sheet(title=part.sheet)
                sheet.append([safe_cell(f"{f.verbose_name} ({f.attname})") for f in fields])
                raw.write(f', "{part.key}": ['.encode())
                count = 0
                for row in _rows(part, client):
                    sheet.append([_xlsx_value(v) for v in row])
                    record = {f.attname: jsonable(v) for f, v in zip(fields, row, strict=True)}
                    raw.write(((", " if count else "") + json.dumps(record, ensure_ascii=False)).encode())
                    count += 1
                    if check is not None and count % CHUNK == 0:
                        check()
                raw.write(b"]")
                counts[part.key] = count
                done += 1
                if progress is not None:
                    progress(done, total)
            raw.write(b"}")
        with archive.open(f"{client.code}.xlsx", "w", force_zip64=True) as book:
            workbook.save(book)
        for layer in layers:
            archive.writestr(f"policies/{layer.slug}.xlsx", export_pack(layer=layer))
            done += 1
            if progress is not None:
                progress(done, total)
    out.seek(0)
    return out, counts
