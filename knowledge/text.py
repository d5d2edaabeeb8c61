"""Text of the knowledge base: Markdown rendered safely, and Chinese segmented for search.

Rendering: markdown-it-py with raw HTML off (a ``<script>`` in the text is shown as text) and its link
check (no ``javascript:``/``vbscript:``/``data:`` links), then nh3 (the ammonia sanitiser) over the
result, so no tag or attribute outside a short allow-list (no ``on*`` handler, no ``style``) can reach
a page even if a renderer rule is wrong. Search: jieba's search-mode segmentation, words joined by
spaces, stored beside the text (``Article.search_title`` / ``search_body``) for PostgreSQL's 'simple'
full-text configuration or SQLite's LIKE.
"""

from __future__ import annotations

import logging
import re

import nh3
from markdown_it import MarkdownIt

_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
    "s",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"style"},
    "td": {"style"},
}
_SCHEMES = {"http", "https", "mailto"}

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")
)


def render_markdown(text: str) -> str:
    """Safe HTML of an article's Markdown (mark it safe only after this)."""
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={tag: attrs - {"style"} for tag, attrs in _ALLOWED_ATTRIBUTES.items()},
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


_WORD = re.compile(r"\w", re.UNICODE)
_jieba = None


def _segmenter():
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        _jieba = jieba
    return _jieba


def words(text: str) -> list[str]:
    """The words of ``text`` (jieba's search mode: 连衣裙 also yields 衣裙), lower-cased, punctuation dropped."""
    found = []
    for token in _segmenter().cut_for_search(text or ""):
        token = token.strip().lower()
        if token and _WORD.search(token):
            found.append(token)
    return found


def segmented(text: str) -> str:
    """The stored search text: the words joined by spaces."""
    return " ".join(words(text))


def query_terms(query: str) -> list[str]:
    """The distinct words a search asks for: the words of two characters or more when there are any
    (了, 的 and other one-character words would make every search miss), else all of them."""
    seen = []
    for token in words(query):
        if token not in seen:
            seen.append(token)
    longer = [t for t in seen if len(t) > 1]
    return (longer or seen)[:8]
