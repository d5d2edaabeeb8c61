"""python manage.py rebuild_insights_rollup [--shop CODE ...] — backfill the daily rollup from the reviews."""

from django.core.management.base import BaseCommand, CommandError

from insights.services.rollup import rollup_rebuild_all
from reviewdesk.models import Shop


class Command(BaseCommand):
    help = "从评价重建数据看板的日汇总(全部历史)。"

    def add_arguments(self, parser):
        parser.add_argument("--shop", action="append", help="店铺代码，可重复；不填为全部店铺")

    def handle(self, *args, shop=None, **options):
        shop_ids = None
        if shop:
            found = dict(Shop.objects.filter(code__in=shop).values_list("code", "pk"))
            missing = sorted(set(shop) - set(found))
            if missing:
                raise CommandError(f"没有这些店铺：{', '.join(missing)}")
            shop_ids = list(found.values())
        written = rollup_rebuild_all(shop_ids=shop_ids)
        self.stdout.write(f"已写入 {written} 行日汇总。")
