"""The checks of a policy row that need the policy engine: an active reply template must pass the
compliance rules of every platform where it is offered, a follow-up step's template those of the step's
own channel.

A model's ``clean()`` checks what the row says by itself (placeholders, audience, codes). These checks
need the loaded pack (``policies.loader``) and the engine, which read the models — so they live here,
above both, and the models import neither. Every path that writes such a row runs them after
``full_clean()``: the admin's forms (``policies.forms.EngineChecks``), the import
(``policies.resources.PolicyResource.validate_instance``) and ``seed_policies``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from policies.choices import Channel
from policies.engine import check_compliance
from policies.loader import load_policy
from policies.models import CampaignPeriod, FollowUpStep, ReplyTemplate
from reviewdesk.choices import Platform


def check_template(template: ReplyTemplate) -> None:
    """An active template is refused if the compliance rules block its text on its channel on any
    platform where it is offered (its platform, or every platform)."""
    if not template.active:
        return
    platforms = [template.platform] if template.platform else list(Platform.values)
    shop = template.shop if template.shop_id else None
    client = template.client if template.client_id and shop is None else None
    for platform in platforms:
        report = check_compliance(
            template.body,
            platform=platform,
            channel=template.channel,
            policy=load_policy(shop=shop, platform=platform, client=client),
        )
        if report.blocked:
            raise ValidationError(
                {
                    "body": _("启用中的模板违反%(platform)s的合规规则：%(reasons)s")
                    % {
                        "platform": Platform(platform).label,
                        "reasons": "；".join(f.describe() for f in report.blocking),
                    }
                }
            )


def check_follow_up_step(step: FollowUpStep) -> None:
    """The step sends its template on its own channel: the compliance rules of that channel must let
    it through on every platform where the step runs (the template was checked on its channel only)."""
    template = step.template if step.template_id else None
    if template is None or not template.active:
        return
    shop = step.plan.shop if step.plan_id and step.plan.shop_id else None
    client = step.plan.client if step.plan_id and step.plan.client_id and shop is None else None
    for platform in [template.platform] if template.platform else list(Platform.values):
        policy = load_policy(shop=shop, platform=platform, client=client)
        rule = policy.platform_rule
        if step.asks_for_revision and not (rule and rule.may_request_revision):
            continue  # skipped on this platform anyway
        report = check_compliance(template.body, platform=platform, channel=step.channel, policy=policy)
        if report.blocking:
            raise ValidationError(
                {
                    "template": _("模板“%(name)s”在%(platform)s的%(channel)s渠道违反合规规则：%(reasons)s")
                    % {
                        "name": template.name,
                        "platform": Platform(platform).label,
                        "channel": Channel(step.channel).label,
                        "reasons": "；".join(f.describe() for f in report.blocking),
                    }
                }
            )


def check_campaign_promise(campaign: CampaignPeriod) -> None:
    """A peak season's promise is shown to buyers (in a message or a public reply): the compliance rules
    of its layer must let it through on every platform and both channels."""
    if not campaign.buyer_promise.strip():
        return
    shop = campaign.shop if campaign.shop_id else None
    client = campaign.client if campaign.client_id and shop is None else None
    for platform in Platform.values:
        policy = load_policy(shop=shop, platform=platform, client=client)
        for channel in (Channel.PRIVATE_MESSAGE, Channel.PUBLIC_REPLY):
            report = check_compliance(
                campaign.buyer_promise, platform=platform, channel=channel, policy=policy
            )
            if report.blocking:
                raise ValidationError(
                    {
                        "buyer_promise": _(
                            "对买家的承诺在%(platform)s的%(channel)s渠道违反合规规则：%(reasons)s"
                        )
                        % {
                            "platform": Platform(platform).label,
                            "channel": Channel(channel).label,
                            "reasons": "；".join(f.describe() for f in report.blocking),
                        }
                    }
                )


# model → (the check, the fields whose own errors make it moot: the model's clean() stopped before it)
CHECKS = {
    ReplyTemplate: (check_template, ("audience", "conditions", "body")),
    FollowUpStep: (check_follow_up_step, ()),
    CampaignPeriod: (check_campaign_promise, ("buyer_promise",)),
}


def check_engine_rules(instance: Model, *, failed: set[str] | frozenset[str] = frozenset()) -> None:
    """Run the engine's checks of this row, if its model has any. ``failed``: the fields that already
    have errors; a check that reads one of them is skipped (its row is refused anyway)."""
    check, reads = CHECKS.get(type(instance), (None, ()))
    if check is not None and not failed.intersection(reads):
        check(instance)
