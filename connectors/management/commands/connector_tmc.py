"""``python manage.py connector_tmc [--interval SECONDS] [--rounds N] [--json]``: read Taobao's TMC push
messages (``taobao_trade_TradeRated``) every few seconds and read each rated review back at once, through
the same code as the schedule's round (``connectors.services.tmc.tmc_consume``). Runs until stopped, or
``--rounds`` rounds; one JSON line of counts per round with ``--json``. The one-minute pull stays the
backfill, so stopping this command costs latency, never a review."""

import time

from django.core.management.base import BaseCommand

from connectors.management.commands._common import dumps
from connectors.services.tmc import tmc_consume


class Command(BaseCommand):
    help = "持续读取淘宝消息服务(TMC)的评价变更消息，并立即回读对应评价。"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=3.0, help="两轮之间的秒数(默认3)")
        parser.add_argument("--rounds", type=int, default=0, help="运行的轮数；0表示一直运行")
        parser.add_argument("--json", action="store_true", help="每轮输出一行JSON计数。")

    def handle(self, *args, interval, rounds, json=False, **options):
        done = 0
        while True:
            counts = tmc_consume()
            if json:
                self.stdout.write(dumps(counts))
            elif counts["messages"]:
                self.stdout.write(
                    f"消息{counts['messages']}条：入库{counts['stored']}，新案件{counts['cases_opened']}，"
                    f"忽略{counts['ignored']}，失败{counts['failed']}"
                )
            done += 1
            if rounds and done >= rounds:
                return
            time.sleep(max(interval, 0.5))
