"""``python manage.py connector_status [--shop CODE] [--json]``: each connector's health. JSON:
``{"shops": [{"shop", "platform", "state", "last_success_at", "lag_seconds", "outbox": {"pending",
"delivered", "failed"}}]}``; ``lag_seconds``: since the last successful pull (null: never)."""

from django.core.management.base import BaseCommand

from connectors.management.commands._common import connector_of, dumps, shop_by_code
from connectors.services.status import connector_status


class Command(BaseCommand):
    help = "查看平台对接的状态。"

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="店铺代码(不填则所有店铺)")
        parser.add_argument("--json", action="store_true", help="以一个JSON对象输出结果。")

    def handle(self, *args, shop=None, json=False, **options):
        ids = [connector_of(shop_by_code(shop)).pk] if shop else None
        rows = connector_status(connector_ids=ids)
        if json:
            self.stdout.write(dumps({"shops": rows}))
            return
        for row in rows:
            self.stdout.write(
                f"{row['shop']}\t{row['platform']}\t{row['state']}\t{row['last_success_at'] or '-'}\t"
                f"lag={row['lag_seconds']}\toutbox={row['outbox']}"
            )
