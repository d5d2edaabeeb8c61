"""Hooks through which higher apps plug into the policies app (docs/conventions.md: nothing imports upward)."""

from reviewdesk.hooks import Registry

rule_case_links = Registry(
    "rule_case_links",
    "Callables (model_name: str, rule_id: int) -> tuple[str, int] | None. ``model_name`` is the policy "
    "model's ``_meta.model_name`` (e.g. 'slatier'); the answer is (url of the cases this rule decided, "
    "their count), or None when the provider knows nothing about that model. The policies admin shows "
    "the first answer as a link on the rule's change form and list. The cases app registers one in its "
    "AppConfig.ready().",
)


def case_link_for(model_name: str, rule_id: int) -> tuple[str, int] | None:
    for provider in rule_case_links.all():
        answer = provider(model_name, rule_id)
        if answer:
            return answer
    return None


template_samples = Registry(
    "template_samples",
    "Callables (user, template: ReplyTemplate, limit: int) -> list[TemplateSample]: up to ``limit`` real "
    "cases ``user`` may see (reviewdesk.access) that the template could be used for (its platform, shop, "
    "issue type and audience), each with its whitelisted placeholder values. The reply-template admin "
    "previews a template against them. The cases app registers one in its AppConfig.ready().",
)


def samples_for(user, template, limit: int = 3) -> list:
    samples: list = []
    for provider in template_samples.all():
        samples.extend(provider(user, template, limit - len(samples)))
        if len(samples) >= limit:
            break
    return samples[:limit]
