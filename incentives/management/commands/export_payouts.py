"""``manage.py export_payouts --period 2026-11 --out payouts.xlsx`` (or ``--period 2026-Q4``,
``--format csv [--sheet detail|summary]``). Everyone's payout, unless ``--shop CODE`` (repeatable)
limits it to those shops' entries, as an HR of those shops downloads it on the web, or ``--client CODE``
to the entries of every shop of that client (品牌方), as its HR downloads it (not both).

It ends by saying, in words, what it wrote: the period, the shops, the file, its rows, the number of
agents (and of those whose payable total is negative) and the total payable in CNY. On a terminal a
progress bar on stderr follows the detail rows written (``reviewdesk.cli_progress``; ``--no-progress``)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from incentives.choices import ExportFormat
from incentives.services.payouts import (
    export_csv,
    export_filename,
    export_xlsx,
    span_summary,
    summary_totals,
)
from incentives.services.periods import parse_span, periods_of
from reviewdesk.cli_progress import add_progress_argument, progress_bar


class Command(BaseCommand):
    help = "导出结算期间(月如 2026-11，季度如 2026-Q4)的薪酬汇总与明细。"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="2026-11 或 2026-Q4")
        parser.add_argument("--out", help="输出文件；默认 payouts-<期间>.<格式>")
        parser.add_argument(
            "--format", choices=ExportFormat.values, default=None, help="xlsx(默认，按文件扩展名推断)或 csv"
        )
        parser.add_argument(
            "--sheet",
            choices=["detail", "summary"],
            default="detail",
            help="CSV 只含一张表：明细(默认)或汇总",
        )
        parser.add_argument(
            "--shop",
            action="append",
            default=None,
            metavar="CODE",
            help="只导出这些店铺的分录(店铺代码，可重复)；默认全部店铺",
        )
        parser.add_argument(
            "--client",
            default=None,
            metavar="CODE",
            help="只导出该品牌方全部店铺的分录(品牌方代码)；不能与 --shop 同用",
        )
        add_progress_argument(parser)

    def handle(self, *, period, out, format, sheet, shop, client=None, **options):
        fmt = format or (
            Path(out).suffix.lstrip(".").lower()
            if out and Path(out).suffix.lower() in (".xlsx", ".csv")
            else "xlsx"
        )
        if client is not None and shop:
            raise CommandError(_("--client 与 --shop 不能同时使用。"))
        client_row = self._client(client) if client is not None else None
        shop_ids, shop_codes = self._shops(shop) if client_row is None else self._client_shops(client_row)
        try:
            span = parse_span(period)
            target = Path(out or export_filename(span.code, fmt, sheet, client_row))
            with target.open("wb") as handle, progress_bar(self, options, desc=_("导出")) as progress:
                if fmt == ExportFormat.CSV:
                    result = export_csv(span.code, handle, sheet=sheet, shop_ids=shop_ids, progress=progress)
                else:
                    result = export_xlsx(span.code, handle, shop_ids=shop_ids, progress=progress)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages))
        except OSError as exc:
            raise CommandError(_("无法写入文件 %(path)s：%(error)s") % {"path": out, "error": exc.strerror})
        totals = summary_totals(span_summary(span, shop_ids=shop_ids))
        self.stdout.write(self._summary(span, fmt, sheet, target, result, totals, shop_codes, client_row))

    def _summary(self, span, fmt, sheet, target, result, totals, shop_codes, client=None) -> str:
        periods = periods_of(span)
        months = "、".join(f"{p.code} {p.get_status_display()}" for p in periods) or _("没有分录")
        if fmt == ExportFormat.CSV and sheet == "summary":
            rows = _("汇总 %(n)s 行(CSV)") % {"n": result["rows"]}
        elif fmt == ExportFormat.CSV:
            rows = _("明细 %(n)s 行(CSV)") % {"n": result["rows"]}
        else:
            rows = _("汇总 %(agents)s 行 + 合计行，明细 %(entries)s 行(XLSX)") % result
        lines = [
            _("已导出薪酬：%(span)s(%(months)s)") % {"span": span.code, "months": months},
            _("  店铺：%(shops)s") % {"shops": "、".join(shop_codes) if shop_codes else _("全部店铺")},
            *(
                [_("  品牌方：%(client)s(%(code)s)") % {"client": client.name, "code": client.code}]
                if client
                else []
            ),
            _("  行数：%(rows)s") % {"rows": rows},
            _("  人数：%(agents)s(应发合计为负：%(negative)s)")
            % {"agents": totals["agents"], "negative": totals["negative_agents"]},
            _("  应发合计：%(total)s CNY") % {"total": f"{totals['total_payable']:,.2f}"},
            _("  文件：%(path)s") % {"path": target.resolve()},
        ]
        return "\n".join(lines)

    def _shops(self, codes: list[str] | None) -> tuple[set[int] | None, list[str]]:
        from reviewdesk.models import Shop

        if not codes:
            return None, []
        wanted = {code.strip() for code in codes if code.strip()}
        found = dict(Shop.objects.filter(code__in=wanted).values_list("code", "pk"))
        unknown = sorted(wanted - set(found))
        if unknown or not found:
            raise CommandError(f"未知店铺代码：{'、'.join(unknown) or '(空)'}")
        return set(found.values()), sorted(found)

    def _client(self, code: str):
        from reviewdesk.models import Client

        found = Client.objects.filter(code=code.strip()[:32]).first() if code.strip() else None
        if found is None:
            raise CommandError(_("未知品牌方代码：%(code)s") % {"code": code.strip() or '""'})
        return found

    def _client_shops(self, client) -> tuple[set[int], list[str]]:
        """Every shop of the client, active or not (its past months' entries are its payout too)."""
        from reviewdesk.models import Shop

        found = dict(Shop.objects.filter(client=client).values_list("code", "pk"))
        if not found:
            raise CommandError(_("品牌方 %(client)s 没有店铺，没有可导出的分录。") % {"client": client.code})
        return set(found.values()), sorted(found)
