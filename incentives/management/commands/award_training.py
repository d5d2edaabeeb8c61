"""``manage.py award_training --period 2026-11``: QA-score and response-KPI awards of a month from the
training data (idempotent; the daily task runs the same)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incentives.services.sweeps import previous_month_code, qa_awards_sweep, response_kpi_sweep


class Command(BaseCommand):
    help = "按培训数据(质检得分、响应时长KPI)发放某月的奖励；可重复运行，不会重复记账。"

    def add_arguments(self, parser):
        parser.add_argument("--period", help="月份，如 2026-11；默认上个月")

    def handle(self, *, period, **options):
        code = period or previous_month_code()
        try:
            qa = qa_awards_sweep(month_code=code)
            kpi = response_kpi_sweep(month_code=code)
        except (ValidationError, ValueError):
            raise CommandError(f"期间格式不正确：{code}。请使用月份，如 2026-11。")
        self.stdout.write(f"{code}: 质检记录 {qa} 条已处理，响应KPI达标 {kpi} 人")
