"""Demo shops on several platforms, users of every role, then each app's demo data (idempotent).

The builders (``reviewdesk.hooks.demo_builders``) run in the order of their ``demo_stage`` (0 when a
builder names none; registration order within a stage): the team first (training scores, so routing
finds certified people), then the history from the oldest to the newest, the ledger's month ends last.

No transaction wraps a builder: each service commits as it does for a user, so what runs after a commit
(routing of imported cases, the case events the ledger pays from) runs at that point of the story, as
it would in production, not all at once at the end.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from reviewdesk.demo import DEMO_CLIENT_USERS, DEMO_PASSWORD, DEMO_USERS, ensure_demo_org
from reviewdesk.hooks import demo_builders


def ordered_builders() -> list:
    return sorted(demo_builders.all(), key=lambda build: getattr(build, "demo_stage", 0))


class Command(BaseCommand):
    help = "创建演示店铺、各角色演示账号和各模块的演示数据(可重复运行)。"

    def add_arguments(self, parser):
        parser.add_argument("--print-logins", action="store_true", help="只打印演示账号，不写数据。")

    def handle(self, *args, print_logins=False, **options):
        if print_logins:
            self.stdout.write(f"演示账号 demo logins (password 密码: {DEMO_PASSWORD}):")
            for username, role, _name, _shops in DEMO_USERS:
                self.stdout.write(f"  {username:<14} {role or 'work orders (仓库)'}")
            for username, role, _name, clients in DEMO_CLIENT_USERS:
                self.stdout.write(f"  {username:<14} {role} ({', '.join(clients)})")
            self.stdout.write(f"  {'admin':<14} superuser")
            return
        with transaction.atomic():
            shops, users = ensure_demo_org()
        self.stdout.write(f"shops: {len(shops)}, users: {len(users)}")
        for build in ordered_builders():
            build(shops=shops, users=users, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("demo data ready"))
