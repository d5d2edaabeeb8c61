"""Run the SLA sweep once (the qcluster schedule does this every minute)."""

import json

from django.core.management.base import BaseCommand

from cases.sla.sweep import sla_sweep


class Command(BaseCommand):
    help = "检查到期的时效：到预警点发预警，超时标记案件并通知升级角色。每条预警/超时只通知一次，可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="以JSON输出结果。")

    def handle(self, *args, **options):
        result = sla_sweep()
        if options["json"]:
            self.stdout.write(_dumps(result.as_dict()))
            return
        self.stdout.write(
            f"检查案件 {result.checked} 件，预警 {result.warnings} 条，超时 {result.breaches} 条，"
            f"站内通知 {result.notifications} 条，外发 {result.deliveries} 条，用时 {result.duration_ms} ms"
        )


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)
