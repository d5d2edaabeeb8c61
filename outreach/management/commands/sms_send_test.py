"""An operator's smoke test of a shop's SMS account: one message, sent now, and the provider's answer.

    python manage.py sms_send_test --shop CODE --to PHONE --template CODE [--param name=value ...]

The template's placeholders are filled from the shop (``shop_name``) and the ``--param`` values; the
message is recorded like any other (``SmsMessage``, number masked) and honours opt-outs and compliance.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from outreach.services.accounts import account_for_shop, template_for
from outreach.services.dispatch import sms_dispatch, sms_queue
from reviewdesk.models import Shop


class Command(BaseCommand):
    help = "Send one SMS through a shop's SMS account (operator's smoke test)."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="shop code")
        parser.add_argument("--to", required=True, help="mobile number")
        parser.add_argument("--template", required=True, help="SMS template code")
        parser.add_argument("--param", action="append", default=[], help="name=value for a placeholder")

    def handle(self, *args, **options):
        shop = Shop.objects.filter(code=options["shop"]).first()
        if shop is None:
            raise CommandError(_("店铺代码“%(code)s”不存在。") % {"code": options["shop"]})
        account = account_for_shop(shop)
        if account is None:
            raise CommandError(_("店铺“%(shop)s”没有启用的短信账号。") % {"shop": shop.name})
        template = template_for(shop, account, code=options["template"])
        if template is None:
            raise CommandError(_("没有可用的短信模板(%(what)s)。") % {"what": options["template"]})
        context = {"shop_name": shop.name}
        for item in options["param"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(_("参数格式应为 名称=值：%(item)s") % {"item": item})
            context[name.strip()] = value
        try:
            message = sms_queue(
                account=account,
                shop=shop,
                phone=options["to"],
                template=template,
                context=context,
                purpose=template.purpose,
                idempotency_key=f"smoke:{uuid.uuid4().hex}",
            )
        except ValidationError as refusal:
            raise CommandError(refusal.messages[0])
        sms_dispatch(message_id=message.pk)
        message.refresh_from_db()
        self.stdout.write(
            _("短信 #%(id)s 发往 %(phone)s：%(status)s %(code)s %(error)s")
            % {
                "id": message.pk,
                "phone": message.phone_masked,
                "status": message.get_status_display(),
                "code": message.provider_message_id or message.error_code,
                "error": message.error_message,
            }
        )
        if message.status not in ("accepted", "delivered"):
            raise CommandError(message.error_message or message.get_status_display())
