"""Orders as data: an order export imported all or nothing, and trace events recorded idempotently.

The import reuses the review import's pipeline pieces (``cases.imports``): ``files.read_sheets`` (the
workbook guard, encodings, streaming), ``mapping.choose_sheet`` (the header search, with each platform's
``OrderMapping`` as a ``MappingSpec``) and ``cells`` (ids, moments, text). Every row is checked before
anything is written; one bad row refuses the file with every problem listed (row as Excel shows it, the
column as in the file). Re-importing updates the orders in place (unique per shop and order number).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.imports import cells as n
from cases.imports.cells import header_key
from cases.imports.files import FileRejected, read_sheets
from cases.imports.mapping import MappingSpec, choose_sheet
from cases.imports.validation import _FORMULA, _FORMULA_FIRST, RowError
from prevention.choices import AfterSale, OrderSource, OrderStatus
from prevention.models import Order, OrderMapping, TraceEvent
from prevention.reasons import reason_kind, reason_rules

MAX_REPORTED_ERRORS = 200
CHUNK = 2000
TEXT_LIMITS = {"buyer_nick": 100, "item_title": 255, "sku": 255, "courier": 64, "after_sale_reason": 255}
ID_LIMITS = {"order_no": 64, "item_id": 64, "tracking_no": 64}
TIME_FIELDS = ("paid_at", "ship_by", "shipped_at", "delivered_at")
ORDER_FIELDS = (
    "buyer_nick",
    "item_id",
    "item_title",
    "sku",
    "paid_at",
    "ship_by",
    "shipped_at",
    "courier",
    "tracking_no",
    "status",
    "after_sale",
    "after_sale_reason",
    "after_sale_reason_kind",
    "delivered_at",
)


@dataclass
class OrderImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    row_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    file_error: str = ""
    mapping_name: str = ""
    order_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.error_count


def _spec(mapping: OrderMapping) -> MappingSpec:
    columns = mapping.columns or {}
    return MappingSpec(
        id=mapping.pk,
        code=mapping.code,
        name=mapping.name,
        aliases={name: tuple(header_key(a) for a in aliases) for name, aliases in columns.items()},
        labels={name: (aliases[0] if aliases else name) for name, aliases in columns.items()},
        required=tuple(mapping.required_fields or ()),
        rating_map={},
        id_fields=(),
    )


def mappings_for(platform: str) -> dict[str, OrderMapping]:
    rows = OrderMapping.objects.filter(active=True).order_by("priority", "code")
    return {m.code: m for m in rows if not m.platforms or platform in m.platforms.split(",")}


def _words(mapping: dict) -> dict[str, str]:
    return {header_key(word): value for word, value in (mapping or {}).items()}


def _clean(
    raw: dict, mapping: OrderMapping, statuses: dict, after_sales: dict, reasons: tuple = ()
) -> tuple[dict, list]:
    values: dict = {}
    problems: list[tuple[str, str]] = []
    for name, cell in raw.items():
        try:
            if name in ID_LIMITS:
                value = n.text(cell) if name == "tracking_no" else cell
                if name == "tracking_no" and value.lower().startswith("no:"):  # Taobao writes "No:7731…"
                    value = value[3:]
                value = n.identifier(value)
                if len(value) > ID_LIMITS[name]:
                    raise n.BadValue(_("超过%(max)d个字符") % {"max": ID_LIMITS[name]})
            elif name in TEXT_LIMITS:
                value = n.text(cell)
                if len(value) > TEXT_LIMITS[name]:
                    raise n.BadValue(
                        _("超过%(max)d个字符(实际%(len)d个)") % {"max": TEXT_LIMITS[name], "len": len(value)}
                    )
                if value and value[0] in _FORMULA_FIRST and _FORMULA.match(value):
                    raise n.BadValue(_("“%(v)s”像是Excel公式，为防止公式注入已拒绝") % {"v": value[:40]})
            elif name in TIME_FIELDS:
                value = n.moment(cell)
            elif name == "status":
                word = header_key(n.text(cell))
                if word not in statuses:
                    known = "、".join(sorted(mapping.status_map or {}))
                    raise n.BadValue(
                        _("无法识别的订单状态“%(v)s”，应为：%(known)s") % {"v": cell, "known": known}
                    )
                value = statuses[word]
            elif name == "after_sale":
                value = after_sales.get(header_key(n.text(cell)), AfterSale.NONE)
            else:
                continue
        except n.BadValue as exc:
            problems.append((name, str(exc)))
            continue
        values[name] = value
    if not problems and not values.get("order_no"):
        problems.append(("order_no", _("订单编号为空")))
    if "after_sale_reason" in values:
        values["after_sale_reason_kind"] = reason_kind(values["after_sale_reason"], reasons)
    return values, problems


def order_import(*, shop, data: bytes, file_name: str) -> OrderImportResult:
    """Read, check and store one order export of ``shop`` (all or nothing)."""
    result = OrderImportResult()
    mappings = mappings_for(shop.platform)
    try:
        sheet, match = choose_sheet(read_sheets(data, file_name), [_spec(m) for m in mappings.values()])
        mapping = mappings[match.spec.code]
        result.mapping_name = mapping.name
        statuses, after_sales = _words(mapping.status_map), _words(mapping.after_sale_map)
        # The shop's reason rules, read once for the file (and only when it has a reason column).
        reasons = reason_rules(shop) if "after_sale_reason" in match.columns else ()
        orders: dict[str, dict] = {}
        # In the file's column order: a row's problems are reported left to right (PostgreSQL's jsonb does
        # not keep the mapping's key order).
        columns = sorted(match.columns.items(), key=lambda item: item[1])
        for index, row in sheet.rows_from(match.header_index + 1):
            if not any(cell not in (None, "") for cell in row):
                continue
            result.row_count += 1
            raw = {name: (row[col] if col < len(row) else None) for name, col in columns}
            values, problems = _clean(raw, mapping, statuses, after_sales, reasons)
            for name, message in problems:
                result.error_count += 1
                if len(result.errors) < MAX_REPORTED_ERRORS:
                    column = match.headers.get(name, mapping.columns.get(name, [name])[0])
                    result.errors.append(RowError(row=index + 1, column=column, field=name, message=message))
            if problems:
                continue
            seen = orders.setdefault(values["order_no"], {})
            seen.update({k: v for k, v in values.items() if v not in (None, "") or k not in seen})
    except FileRejected as exc:
        result.file_error = exc.message
        return result
    if result.error_count:
        return result
    if not orders:
        result.file_error = _("文件里没有订单。")
        return result
    for values in orders.values():
        if not values.get("ship_by") and values.get("paid_at"):
            values["ship_by"] = values["paid_at"] + dt.timedelta(hours=mapping.ship_within_hours)
    orders_store(shop, orders, result)
    return result


def orders_store(
    shop,
    orders: dict[str, dict],
    result: OrderImportResult,
    *,
    source: str = OrderSource.FILE,
    defaults: dict[str, dict] | None = None,
) -> None:
    """Create or update ``orders`` (order number → field values) of ``shop``, unique per shop and number:
    the export import's and the platform pull's one upsert. ``defaults`` (order number → values) fill a
    field only where the order has none yet (a pulled order's default ship-by does not replace the
    export's promise); ``source`` is where a new order came from."""
    defaults = defaults or {}
    numbers = list(orders)
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(numbers), CHUNK):
            chunk = numbers[start : start + CHUNK]
            existing = {o.order_no: o for o in Order.objects.filter(shop=shop, order_no__in=chunk)}
            new, changed = [], []
            for number in chunk:
                values = orders[number]
                order = existing.get(number)
                if order is None:
                    merged = {**defaults.get(number, {}), **values}
                    fields = {name: merged.get(name) for name in ORDER_FIELDS if merged.get(name) is not None}
                    new.append(
                        Order(shop=shop, platform=shop.platform, order_no=number, source=source, **fields)
                    )
                    continue
                dirty = False
                for name, value in defaults.get(number, {}).items():
                    if value is not None and getattr(order, name) in (None, ""):
                        setattr(order, name, value)
                        dirty = True
                for name in ORDER_FIELDS:
                    value = values.get(name)
                    if value is None or getattr(order, name) == value:
                        continue
                    if name == "status" and _regresses(order.status, value):
                        continue  # a trace already said delivered; an older export does not undo it
                    setattr(order, name, value)
                    dirty = True
                if dirty:
                    order.updated_at = now
                    changed.append(order)
                else:
                    result.unchanged += 1
            Order.objects.bulk_create(new, batch_size=1000)
            if changed:
                Order.objects.bulk_update(changed, [*ORDER_FIELDS, "updated_at"], batch_size=1000)
            result.created += len(new)
            result.updated += len(changed)
            result.order_ids += [o.pk for o in new if o.pk] + [o.pk for o in existing.values()]


_PROGRESS = {
    OrderStatus.AWAITING_SHIPMENT: 0,
    OrderStatus.IN_TRANSIT: 1,
    OrderStatus.DELIVERED: 2,
    OrderStatus.CLOSED: 2,
}


def _regresses(old: str, new: str) -> bool:
    return _PROGRESS.get(old, 0) > _PROGRESS.get(new, 0)


@dataclass(frozen=True)
class TraceStep:
    at: dt.datetime
    station: str
    description: str
    delivered: bool = False


def order_record_traces(*, order: Order, steps: list[TraceStep]) -> int:
    """Store a parcel's trace steps (a step seen before is skipped: unique per order, time and
    description) and keep the order's summary the sweep reads: its last movement, its station and since
    when it is there, delivered when a step says so. Returns the number of new steps."""
    steps = [s for s in steps if s.description]
    with transaction.atomic():
        before = TraceEvent.objects.filter(order=order).count()
        TraceEvent.objects.bulk_create(
            [
                TraceEvent(order=order, at=s.at, station=s.station[:128], description=s.description[:255])
                for s in steps
            ],
            ignore_conflicts=True,
        )
        events = list(
            TraceEvent.objects.filter(order=order).order_by("at", "pk").values_list("at", "station")
        )
        added = len(events) - before
        if not events:
            return 0
        last_at, station = events[-1]
        since = last_at
        for at, name in reversed(events):
            if name != station:
                break
            since = at
        updates = {"last_movement_at": last_at, "station": station, "station_since": since}
        if any(s.delivered for s in steps) and order.status != OrderStatus.CLOSED:
            updates.update(status=OrderStatus.DELIVERED, delivered_at=order.delivered_at or last_at)
        elif order.status == OrderStatus.AWAITING_SHIPMENT:
            updates.update(status=OrderStatus.IN_TRANSIT, shipped_at=order.shipped_at or events[0][0])
        Order.objects.filter(pk=order.pk).update(**updates)
        for name, value in updates.items():
            setattr(order, name, value)
    return added
