"""Real cases a reply template is previewed against in the policies admin (policies.hooks.template_samples):
the newest cases the user may see (reviewdesk.access) on the template's platform, shop and issue type, of
the template's audience (malicious or normal cases)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from cases.models import Case
from policies.decisions import TemplateSample
from reviewdesk.access import VIEW, restrict


def template_samples(user, template, limit: int) -> list[TemplateSample]:
    from cases.workflow.compose import policy_for, reply_context, template_facts

    if limit <= 0:
        return []
    cases = restrict(Case.objects.all(), user, VIEW).select_related("review", "shop", "issue_type")
    if template.platform:
        cases = cases.filter(platform=template.platform)
    if template.shop_id:
        cases = cases.filter(shop_id=template.shop_id)
    elif template.client_id:  # a client's layer: the cases of that client's shops
        cases = cases.filter(shop__client_id=template.client_id)
    if template.issue_type_id:
        cases = cases.filter(issue_type_id=template.issue_type_id)
    malicious = Q(is_malicious=True) | Q(issue_type__is_malicious=True)
    cases = cases.filter(malicious) if template.audience == "malicious" else cases.exclude(malicious)
    samples = []
    for case in cases.order_by("-pk")[:limit]:
        policy = policy_for(case)
        samples.append(
            TemplateSample(
                case_id=case.pk,
                label=f"#{case.pk} {case.shop.name} · {case.review.order_no}",
                url=reverse("cases:case_detail", args=[case.pk]),
                shop_id=case.shop_id,
                platform=case.platform,
                issue_type_id=case.issue_type_id,
                malicious=bool(case.is_malicious or (case.issue_type_id and case.issue_type.is_malicious)),
                facts=template_facts(case),
                context=reply_context(case, user, policy),
            )
        )
    return samples
