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
