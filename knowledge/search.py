"""Search of the knowledge base in Chinese, on PostgreSQL and on SQLite alike.

The text is segmented once when saved (``knowledge.text.segmented``: jieba's words joined by spaces,
in ``search_title`` and ``search_body``), and so is the query. PostgreSQL matches the words with its
full-text search in the 'simple' configuration (no stemming: the words are already cut) and ranks with
``ts_rank`` (title words weigh more); SQLite matches each word with LIKE and ranks by how often the words
appear, the title's counting three times. Any word may match; the more words match, the higher.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Q

from knowledge.choices import ArticleStatus
from knowledge.models import Article
from knowledge.text import query_terms
from reviewdesk.access import restrict

LIMIT = 50


def search_articles(user, query: str, *, limit: int = LIMIT) -> list[Article]:
    """The published articles ``user`` may read that match ``query``, best first."""
    terms = query_terms(query)
    if not terms:
        return []
    base = restrict(Article.objects.filter(status=ArticleStatus.PUBLISHED), user).select_related(
        "shop", "client", "issue_type"
    )
    if connection.vendor == "postgresql":
        return _postgres(base, terms, limit)
    return _fallback(base, terms, limit)


def _postgres(base, terms: list[str], limit: int) -> list[Article]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = SearchVector("search_title", weight="A", config="simple") + SearchVector(
        "search_body", weight="B", config="simple"
    )
    search = reduce(or_, (SearchQuery(term, config="simple", search_type="plain") for term in terms))
    rows = base.annotate(rank=SearchRank(vector, search)).filter(rank__gt=0)
    return list(rows.order_by("-rank", "-updated_at", "-pk")[:limit])


def _fallback(base, terms: list[str], limit: int) -> list[Article]:
    match = reduce(or_, (Q(search_title__icontains=t) | Q(search_body__icontains=t) for t in terms))
    rows = list(base.filter(match).order_by("-updated_at", "-pk")[: limit * 4])

    def score(article: Article) -> int:
        title, body = article.search_title.split(), article.search_body.split()
        return sum(3 * title.count(t) + body.count(t) for t in terms)

    rows.sort(key=score, reverse=True)  # stable: the newest first among equals
    return rows[:limit]
