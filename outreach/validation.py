"""The checks of an SMS template that need the policy engine: a buyer-facing text passes the compliance
rules of the SMS channel on every platform, in the template's own layer (its shop's policy, its client's
layer, or the global rules). Run by the admin's form after the model's own validation, and again at every
send (``outreach.services.dispatch``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from outreach.choices import SmsPurpose
from policies.choices import Channel
from reviewdesk.choices import Platform


def check_template_compliance(template) -> None:
    if template.purpose == SmsPurpose.ALERT or not (template.text or "").strip():
        return  # an alert goes to staff, not to a buyer
    from policies.engine import check_compliance
    from policies.loader import load_policy

    for platform in Platform.values:
        if template.shop_id:
            policy = load_policy(shop=template.shop, platform=platform)
        elif template.client_id:
            policy = load_policy(client=template.client, platform=platform)
        else:
            policy = load_policy(platform=platform)
        report = check_compliance(template.text, platform=platform, channel=str(Channel.SMS), policy=policy)
        if report.blocking:
            raise ValidationError(
                {
                    "text": _("短信内容违反%(platform)s的合规规则：%(reasons)s")
                    % {
                        "platform": Platform(platform).label,
                        "reasons": "；".join(f.describe() for f in report.blocking),
                    }
                },
                code="compliance_blocked",
            )
