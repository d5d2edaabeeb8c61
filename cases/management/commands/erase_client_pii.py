"""python manage.py erase_client_pii --client CODE [--dry-run]

Erases the buyers' personal data of the client's reviews older than its ``buyer_data_retention_days``
(``cases.offboarding.erase``: the figures stay). ``--dry-run`` only counts the reviews it would erase.
The daily schedule does the same for every client."""

from django.core.management.base import BaseCommand, CommandError

from cases.offboarding.erase import erase_buyer_data
from reviewdesk.models import Client


class Command(BaseCommand):
    help = "清除品牌方超过保留期的买家个人信息(电话、地址、昵称、IP，评价文字中的号码和地址)；台账和汇总数字不变。"

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="品牌方代码")
        parser.add_argument("--dry-run", action="store_true", help="只统计将被清除的评价数，不修改")

    def handle(self, *args, client, dry_run=False, **options):
        found = Client.objects.filter(code=client).first()
        if found is None:
            raise CommandError(f"没有代码为“{client}”的品牌方。")
        report = erase_buyer_data(found, dry_run=dry_run)
        cutoff = f"{report.cutoff:%Y-%m-%d %H:%M} UTC"
        if dry_run:
            self.stdout.write(
                f"{found.code}: 将清除 {report.counts['reviews']} 条评价的买家信息(早于 {cutoff})。"
            )
            return
        figures = "，".join(f"{key} {n}" for key, n in report.counts.items())
        self.stdout.write(f"{found.code}: 已清除(早于 {cutoff})：{figures}")
