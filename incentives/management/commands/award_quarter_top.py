"""``manage.py award_quarter_top --quarter 2026-Q4``: paid-leave days for the quarter's top agents by
verified conversions. Tie rule (documented on the seeded rule and in
``incentives.services.awards.quarter_ranking``): the agent who reached the count earlier ranks higher,
then the smaller employee code. A quarter is awarded once: running it again posts nothing."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incentives.services.awards import quarter_ranking, quarter_top_award
from incentives.services.sweeps import previous_quarter_code


class Command(BaseCommand):
    help = "季度转化前三名奖励带薪假(默认上一个季度)；并列时先达到该转化数者优先，再按工号。"

    def add_arguments(self, parser):
        parser.add_argument("--quarter", help="季度，如 2026-Q4；默认上一个季度")

    def handle(self, *, quarter, **options):
        code = quarter or previous_quarter_code()
        try:
            entries = quarter_top_award(quarter_code=code)
            ranking = quarter_ranking(code)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages))
        for rank, agent in enumerate(ranking[:5], start=1):
            self.stdout.write(f"{rank}. {agent.employee_code or agent.user_id}: {agent.conversions}")
        self.stdout.write(f"{code}: 带薪假分录 {len(entries)} 条")
