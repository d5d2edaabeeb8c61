"""``python manage.py connector_flush [--shop CODE] [--json]``: deliver the queued public replies now
(``connectors.services.outbox.outbox_flush``, the schedule's code). JSON: the number of replies that
ended this run in each state (``pending``, ``sending``, ``ambiguous``, ``delivered``, ``failed``)."""

from django.core.management.base import BaseCommand

from connectors.management.commands._common import connector_of, dumps, shop_by_code
from connectors.services.outbox import outbox_flush


class Command(BaseCommand):
    help = "立即把待发的公开回复发到平台。"

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="店铺代码(不填则所有店铺)")
        parser.add_argument("--json", action="store_true", help="以一个JSON对象输出结果。")

    def handle(self, *args, shop=None, json=False, **options):
        shop_id = connector_of(shop_by_code(shop)).shop_id if shop else None
        counts = outbox_flush(shop_id=shop_id)
        if json:
            self.stdout.write(dumps(counts))
        else:
            self.stdout.write(
                f"已送达{counts['delivered']}，失败{counts['failed']}，待核对{counts['ambiguous']}"
            )
