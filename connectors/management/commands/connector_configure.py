"""``python manage.py connector_configure --shop CODE --platform P --gateway URL --credentials FILE``

FILE is JSON with ``app_key``, ``app_secret``, ``session_key`` and optionally ``sign_method`` (md5, hmac,
hmac-sha256), ``expires_at`` (ISO with a zone), ``refresh_token``, ``sign_secret`` (Kuaishou: required),
``seller_nick`` and ``tmc_group`` (Taobao/Tmall push). The credentials are stored encrypted and never
printed; the command answers with the shop, the platform and the gateway only.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from connectors.management.commands._common import dumps, shop_by_code
from connectors.services.configure import connector_configure


class Command(BaseCommand):
    help = "连接一个店铺的平台开放接口(凭据加密保存，不再显示)。"

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="店铺代码")
        parser.add_argument("--platform", required=True, help="taobao、tmall、jd、douyin 或 kuaishou")
        parser.add_argument(
            "--gateway", required=True, help="网关地址，例如 https://eco.taobao.com/router/rest"
        )
        parser.add_argument("--credentials", required=True, help="凭据JSON文件")

    def handle(self, *args, shop, platform, gateway, credentials, **options):
        target = shop_by_code(shop)
        try:
            data = json.loads(Path(credentials).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"找不到凭据文件：{credentials}", returncode=2)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise CommandError("凭据文件不是有效的UTF-8 JSON。", returncode=2)
        try:
            connector = connector_configure(
                shop=target, platform=platform, gateway_url=gateway, credentials=data
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages), returncode=2)
        self.stdout.write(
            dumps({"shop": target.code, "platform": connector.platform, "gateway": connector.gateway_url})
        )
