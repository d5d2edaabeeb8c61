"""python manage.py offboard_client --client CODE --out DIR

Writes ``DIR/client-<code>.zip``: everything of the client (its cases, reviews, timeline, replies, offers,
appeals as one workbook and one JSON file, and the policy pack in force for its shops), as the
``client_export`` job writes it (``cases.offboarding.export``). An operator's command: whoever runs it
holds the server, as for ``policy_pack``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.offboarding.export import client_export
from reviewdesk.models import Client


class Command(BaseCommand):
    help = "导出品牌方的全部数据(案件、评价、时间线、回复、补偿方案、生效规则)为一个 zip：工作簿 + JSON。"

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="品牌方代码")
        parser.add_argument("--out", required=True, help="输出目录(须已存在)")

    def handle(self, *args, client, out, **options):
        found = Client.objects.filter(code=client).first()
        if found is None:
            raise CommandError(f"没有代码为“{client}”的品牌方。")
        folder = Path(out)
        if not folder.is_dir():
            raise CommandError(f"目录不存在：{folder}")
        archive, counts = client_export(found)
        target = folder / f"client-{found.code}.zip"
        with archive, target.open("wb") as handle:
            while chunk := archive.read(1024 * 1024):
                handle.write(chunk)
        figures = "，".join(f"{key} {n}" for key, n in counts.items())
        self.stdout.write(f"{found.code}: {figures} → {target}")
