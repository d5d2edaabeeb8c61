import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from training.services import compute_training_scores


class Command(BaseCommand):
    help = "由案件计算培训成绩(首次响应达标率、平均首次响应时长、满意度、补偿方案接受率)，可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="月度如 2026-11，周度如 2026-W47。")
        parser.add_argument("--json", action="store_true", help="以JSON输出结果。")

    def handle(self, *args, period, json=False, **options):
        try:
            summary = compute_training_scores(period=period)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        if json:
            self.stdout.write(_json(period, summary))
            return
        if not summary:
            self.stdout.write(f"{period}: 没有该周期类型的计算类培训模块。")
        for code, count in summary.items():
            if count is None:
                self.stdout.write(f"{code}: 跳过，数据尚不存在(满意度调查/补偿方案由坐席工作台提供)。")
            else:
                self.stdout.write(f"{code}: 已写入 {count} 名员工的成绩。")


def _json(period, summary) -> str:
    return json.dumps({"period": period, "modules": summary}, ensure_ascii=False)
