"""The knowledge panel of the case page (``reviewdesk.hooks.case_panels``, place 'main').

The case page itself pays no query for it: the registered builder adds a loader that htmx fills from
``knowledge:case_panel`` as the page loads (like the work orders' panel), so the case page's budget does
not move. That fragment reads the articles fitting the review's item/SKU, issue type and platform,
ranked, in ONE query; the quick replies among them insert their text into the composer
(``static/js/knowledge.js``), where the compliance check runs on it like on every outbound word. A
converted case also offers its replies for promotion (one more query, on those cases only)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from knowledge.choices import ArticleKind
from knowledge.matching import articles_for_case
from knowledge.text import render_markdown
from reviewdesk.roles import hides_buyer_data, works_cases


def case_panel(request, case) -> dict | None:
    """The registered builder: a loader, no query (the roles were read with the shops)."""
    user = request.user
    if not works_cases(user) or hides_buyer_data(user):
        return None
    return {
        "title": _("知识库"),
        "template": "knowledge/_case_loader.html",
        "place": "main",
        "context": {"case_id": case.pk},
    }


def panel_context(case) -> dict:
    """What the fragment shows for ``case`` (found through the access path, with its review and shop)."""
    rows = []
    for article in articles_for_case(case):
        rows.append(
            {
                "id": article.pk,
                "title": article.title,
                "kind": ArticleKind(article.kind).label,
                "is_answer": article.kind == ArticleKind.ANSWER,
                "text": article.body,
                "html": render_markdown(article.body),
            }
        )
    replies = []
    if case.converted_to_rating is not None:
        from cases.models import Reply

        for pk, channel, text in Reply.objects.filter(case=case).values_list("pk", "channel", "text"):
            replies.append({"id": pk, "channel": channel, "text": text[:120]})
    return {"case_id": case.pk, "articles": rows, "replies": replies}
