"""``manage.py export_payouts --period 2026-11 --out payouts.xlsx`` (or ``--period 2026-Q4``,
``--format csv [--sheet detail|summary]``). Everyone's payout, unless ``--shop CODE`` (repeatable)
limits it to those shops' entries, as an HR of those shops downloads it on the web."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incentives.choices import ExportFormat
from incentives.services.payouts import export_csv, export_filename, export_xlsx


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

    def handle(self, *, period, out, format, sheet, shop, **options):
        fmt = format or (
            Path(out).suffix.lstrip(".").lower()
            if out and Path(out).suffix.lower() in (".xlsx", ".csv")
            else "xlsx"
        )
        shop_ids = self._shop_ids(shop)
        try:
            target = Path(out or export_filename(period, fmt, sheet))
            with target.open("wb") as handle:
                if fmt == ExportFormat.CSV:
                    result = export_csv(period, handle, sheet=sheet, shop_ids=shop_ids)
                else:
                    result = export_xlsx(period, handle, shop_ids=shop_ids)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages))
        self.stdout.write(f"{target}: {result}")

    def _shop_ids(self, codes: list[str] | None) -> set[int] | None:
        from reviewdesk.models import Shop

        if not codes:
            return None
        wanted = {code.strip() for code in codes if code.strip()}
        found = dict(Shop.objects.filter(code__in=wanted).values_list("code", "pk"))
        unknown = sorted(wanted - set(found))
        if unknown or not found:
            raise CommandError(f"未知店铺代码：{'、'.join(unknown) or '(空)'}")
        return set(found.values())
