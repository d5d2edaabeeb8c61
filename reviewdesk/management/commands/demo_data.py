"""Demo shops on several platforms, users of every role, then each app's demo data (idempotent)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from reviewdesk.demo import DEMO_PASSWORD, DEMO_USERS, ensure_demo_org
from reviewdesk.hooks import demo_builders


class Command(BaseCommand):
    help = "创建演示店铺、各角色演示账号和各模块的演示数据(可重复运行)。"

    def add_arguments(self, parser):
        parser.add_argument("--print-logins", action="store_true", help="只打印演示账号，不写数据。")

    def handle(self, *args, print_logins=False, **options):
        if print_logins:
            self.stdout.write(f"演示账号 demo logins (password 密码: {DEMO_PASSWORD}):")
            for username, role, _name, _shops in DEMO_USERS:
                self.stdout.write(f"  {username:<14} {role}")
            self.stdout.write(f"  {'admin':<14} superuser")
            return
        with transaction.atomic():
            shops, users = ensure_demo_org()
        self.stdout.write(f"shops: {len(shops)}, users: {len(users)}")
        for build in demo_builders.all():
            with transaction.atomic():
                build(shops=shops, users=users, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("demo data ready"))
