"""python manage.py weekly_report --week 2026-W47 [--shop CODE | --client CODE] --out report.xlsx [--store]
[--no-progress]

On a terminal a progress bar on stderr counts its steps (the figures, the workbook, the stored report:
``reviewdesk.cli_progress``); the report is a few queries, so steps are what there is to count."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from insights.exports import weekly_xlsx
from insights.periods import last_complete_week, parse_week
from insights.services.reports import weekly_data_for, weekly_report_store
from reviewdesk.cli_progress import add_progress_argument, progress_bar
from reviewdesk.models import Client, Shop


class Command(BaseCommand):
    help = "差评TOP3周报：按ISO周(北京时间)输出某店铺或全部店铺的XLSX。"

    def add_arguments(self, parser):
        parser.add_argument("--week", help="ISO周，如 2026-W47；默认上一个完整周")
        parser.add_argument("--shop", help="店铺代码；不填为全部店铺")
        parser.add_argument("--client", help="品牌方代码：只含该品牌方的店铺(与 --shop 二选一)")
        parser.add_argument("--out", help="输出的 .xlsx 文件路径")
        parser.add_argument("--store", action="store_true", help="同时保存为周报记录(与定时任务相同)")
        add_progress_argument(parser)

    def handle(self, *args, week=None, shop=None, client=None, out=None, store=False, **options):
        try:
            iso_week = parse_week(week) if week else last_complete_week()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        shop_obj = None
        if shop:
            shop_obj = Shop.objects.filter(code=shop).first()
            if shop_obj is None:
                raise CommandError(f"没有代码为“{shop}”的店铺。")
        client_obj = None
        if client:
            if shop:
                raise CommandError("--shop 和 --client 只能指定其一。")
            client_obj = Client.objects.filter(code=client).first()
            if client_obj is None:
                raise CommandError(f"没有代码为“{client}”的品牌方。")
        if not out and not store:
            raise CommandError("请用 --out 指定输出文件，或用 --store 保存为周报记录。")
        if out and not Path(out).parent.exists():
            raise CommandError(f"目录不存在：{Path(out).parent}")
        steps = 1 + bool(out) + bool(store)
        with progress_bar(self, options, desc=_("周报"), unit=_("步"), total=steps) as progress:
            data = weekly_data_for(week=iso_week, shop=shop_obj, client=client_obj)
            progress(1, steps)
            if out:
                Path(out).write_bytes(weekly_xlsx(data))
                progress(2, steps)
            report = weekly_report_store(week=iso_week, shop=shop_obj, client=client_obj) if store else None
            progress(steps, steps)
        if out:
            self.stdout.write(f"{iso_week.key} {data.scope}: 中差评 {data.total} 条 → {Path(out)}")
        if report is not None:
            self.stdout.write(f"已保存周报 #{report.pk} ({report.file.name})")
