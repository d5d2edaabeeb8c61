"""Articles: safe rendering, the layers (agents read, a shop's managers write, another shop's is a 404),
quick replies checked for compliance, attachments with the evidence rules, versions kept, a converted
case's reply promoted to a draft a manager approves."""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import Reply
from knowledge.choices import ArticleKind, ArticleStatus
from knowledge.models import Article, ArticleAttachment
from knowledge.services import article_promote_reply, article_publish
from knowledge.text import render_markdown
from tests.knowledge.support import PNG, issue, open_case, write

pytestmark = pytest.mark.django_db

HOSTILE = (
    "# 尺码\n<script>alert(1)</script>\n\n[点我](javascript:alert(1)) [也点我](JAVASCRIPT:alert(2))\n\n"
    '<img src=x onerror="alert(3)">\n\n![图](javascript:alert(4))\n\n[好链接](https://example.com/a)'
)


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


def tags_of(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


def test_markdown_is_rendered_without_script_javascript_links_or_handlers():
    html = render_markdown(HOSTILE)
    found = tags_of(html)
    assert set(found.tags) == {"h1", "p", "a"}  # no script, no img: the raw HTML is shown as text
    assert found.attrs == [("href", "https://example.com/a"), ("rel", "noopener noreferrer nofollow")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_article_page_renders_the_markdown_safely(seeded, client, shop, agent, manager):
    article = write(manager, shop=shop, body=HOSTILE)
    client.force_login(agent)
    page = client.get(reverse("knowledge:detail", kwargs={"pk": article.pk})).content.decode()
    start = page.index('id="article-body"') + len('id="article-body">')
    found = tags_of(page[start : page.index("</section>", start)])
    assert set(found.tags) == {"h1", "p", "a"}
    assert all(
        not name.startswith("on") and "javascript" not in (value or "").lower() for name, value in found.attrs
    )


def test_agents_read_managers_write_and_another_shops_article_is_a_404(
    seeded, client, shop, agent, manager, other_manager
):
    article = write(manager, shop=shop, title="本店尺码")
    detail = reverse("knowledge:detail", kwargs={"pk": article.pk})
    edit = reverse("knowledge:edit", kwargs={"pk": article.pk})
    client.force_login(agent)
    assert client.get(detail).status_code == 200
    assert client.get(edit).status_code == 403
    assert client.get(reverse("knowledge:create")).status_code == 403
    client.force_login(other_manager)
    assert client.get(detail).status_code == 404
    assert client.get(edit).status_code == 404
    response = client.post(edit, {"title": "改了", "kind": "spec", "status": "published", "body": "x"})
    assert response.status_code == 404
    assert "本店尺码" not in client.get(reverse("knowledge:list")).content.decode()
    article.refresh_from_db()
    assert (article.title, article.version) == ("本店尺码", 1)


def test_a_manager_writes_an_article_on_the_page_and_each_save_is_a_version(seeded, client, shop, manager):
    client.force_login(manager)
    form = {
        "title": "LY连衣裙尺码表",
        "kind": "size",
        "status": "published",
        "shop": shop.pk,
        "item_id": "6001",
        "sku_pattern": "LY-*",
        "issue_type": issue("quality").pk,
        "body": "| 尺码 | 胸围 |\n|---|---|\n| S | 84 |",
        "files": [SimpleUploadedFile("尺码.png", PNG, content_type="image/png")],
    }
    response = client.post(reverse("knowledge:create"), form)
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "knowledge:detail", args=[article.pk]
    )
    assert (article.owner, article.shop, article.version) == (manager, shop, 1)
    assert "尺码" in article.search_title.split()
    attachment = ArticleAttachment.objects.get()
    assert attachment.content_type == "image/png" and attachment.original_name == "尺码.png"
    form.update(title="LY连衣裙尺码表(新版)", files=[])
    client.post(reverse("knowledge:edit", kwargs={"pk": article.pk}), form)
    article.refresh_from_db()
    assert article.version == 2
    assert list(article.history.order_by("history_date").values_list("title", flat=True)) == [
        "LY连衣裙尺码表",
        "LY连衣裙尺码表(新版)",
    ]
    page = client.get(reverse("knowledge:detail", kwargs={"pk": article.pk})).content.decode()
    assert "<table>" in page and reverse("knowledge:attachment", args=[attachment.pk]) in page
    assert client.get(reverse("knowledge:attachment", args=[attachment.pk])).status_code == 200


def test_a_disguised_attachment_is_refused_and_nothing_is_saved(seeded, client, shop, manager):
    client.force_login(manager)
    form = {
        "title": "图",
        "kind": "spec",
        "status": "published",
        "shop": shop.pk,
        "body": "正文",
        "files": [SimpleUploadedFile("a.png", b"MZ\x90\x00 not a png", content_type="image/png")],
    }
    response = client.post(reverse("knowledge:create"), form)
    assert response.status_code == 400
    assert "类型不被接受或内容与扩展名不符" in response.content.decode()
    assert not Article.objects.exists() and not ArticleAttachment.objects.exists()


def test_a_quick_reply_failing_compliance_is_refused_in_words(seeded, client, shop, manager):
    with pytest.raises(ValidationError) as caught:
        write(manager, shop=shop, kind=ArticleKind.ANSWER, body="亲，给个好评返现5元哦")
    assert "合规规则" in str(caught.value)
    client.force_login(manager)
    form = {"title": "话术", "kind": "answer", "status": "published", "shop": shop.pk, "body": "好评返现"}
    response = client.post(reverse("knowledge:create"), form)
    assert response.status_code == 400 and "合规规则" in response.content.decode()
    assert not Article.objects.exists()
    # The same words in a spec (never inserted into the composer) are not a quick reply's business.
    assert write(manager, shop=shop, kind=ArticleKind.SPEC, body="禁止：好评返现").pk


def test_a_converted_cases_reply_becomes_a_draft_that_a_manager_approves(
    seeded, client, shop, agent, manager
):
    case = open_case(shop, agent, item_id="6001", issue_type=issue("quality"))
    reply = Reply.objects.create(
        case=case, channel="private_message", text="亲，已为您补发新品。", by=agent, at=timezone.now()
    )
    with pytest.raises(ValidationError):  # not converted: nothing to learn from yet
        article_promote_reply(reply=reply, by=agent)
    case.converted_from_rating, case.converted_to_rating = 1, 5
    case.save(update_fields=["converted_from_rating", "converted_to_rating"])
    client.force_login(agent)
    response = client.post(reverse("knowledge:promote", kwargs={"pk": reply.pk}))
    assert response.status_code == 302
    draft = Article.objects.get()
    assert (draft.status, draft.kind, draft.body, draft.item_id) == (
        ArticleStatus.DRAFT,
        ArticleKind.ANSWER,
        "亲，已为您补发新品。",
        "6001",
    )
    assert client.get(reverse("knowledge:detail", kwargs={"pk": draft.pk})).status_code == 404  # a draft
    with pytest.raises(ValidationError):
        article_publish(article=draft, by=agent)
    client.force_login(manager)
    assert client.post(reverse("knowledge:approve", kwargs={"pk": draft.pk})).status_code == 302
    draft.refresh_from_db()
    assert draft.status == ArticleStatus.PUBLISHED and draft.published_at is not None
    with pytest.raises(ValidationError):  # once
        article_promote_reply(reply=reply, by=agent)


def test_using_a_quick_reply_is_recorded_for_the_case(seeded, client, shop, agent, manager, other_shop):
    from knowledge.models import ArticleUse

    article = write(manager, shop=shop, kind=ArticleKind.ANSWER, body="亲，抱歉。")
    case = open_case(shop, agent)
    client.force_login(agent)
    assert (
        client.post(reverse("knowledge:use", kwargs={"pk": article.pk, "case_id": case.pk})).status_code
        == 204
    )
    assert ArticleUse.objects.filter(article=article, case=case, user=agent).count() == 1
    other = open_case(other_shop, None)
    assert (
        client.post(reverse("knowledge:use", kwargs={"pk": article.pk, "case_id": other.pk})).status_code
        == 404
    )
    assert ArticleUse.objects.count() == 1
