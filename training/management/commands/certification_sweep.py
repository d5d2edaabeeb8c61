from django.core.management.base import BaseCommand

from training.services import certification_sweep


class Command(BaseCommand):
    help = "检查认证失效(过期或新成绩未达标)，每次失效只记录并通知主管一次；可重复运行。"

    def handle(self, *args, **options):
        lapses = certification_sweep()
        for lapse in lapses:
            self.stdout.write(f"{lapse.agent}: {lapse.reason}")
        self.stdout.write(f"新发现认证失效：{len(lapses)}")
