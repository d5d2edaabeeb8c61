"""``python manage.py connector_pull --shop CODE [--json]``: one pull now, through the same code as the
schedule (``connectors.services.pull.connector_pull``). JSON: ``{"ok", "fetched", "created", "updated",
"unchanged", "cases_opened", "calls", "error"}``; exit status 1 when the pull failed."""

from django.core.management.base import BaseCommand, CommandError

from connectors.management.commands._common import connector_of, dumps, shop_by_code
from connectors.services.pull import connector_pull


class Command(BaseCommand):
    help = "立即拉取一个店铺的评价。"

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="店铺代码")
        parser.add_argument("--json", action="store_true", help="以一个JSON对象输出结果。")

    def handle(self, *args, shop, json=False, **options):
        connector = connector_of(shop_by_code(shop))
        result = connector_pull(connector_id=connector.pk)
        if json:
            self.stdout.write(dumps(result.as_dict()))
        else:
            self.stdout.write(
                f"拉取{result.fetched}条：新建{result.created}，更新{result.updated}，无变化{result.unchanged}，"
                f"新案件{result.cases_opened}，调用{result.calls}次"
            )
        if not result.ok:
            if json:
                raise SystemExit(1)
            raise CommandError(result.error or "拉取失败", returncode=1)
