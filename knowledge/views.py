"""The web edge of the knowledge base: the list and search, an article's page (rendered safely, its
attachments, history and question bank), writing and approving, the use of a quick reply on a case and
a converted case's reply promoted to a draft. Reads go through ``reviewdesk.access`` (another shop's
article is a 404); writes through ``knowledge.services``; a refusal is shown in words."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.queries.access import case_or_404
from cases.workflow.files import download_response
from knowledge.choices import ArticleStatus
from knowledge.forms import ArticleForm, QuestionForm
from knowledge.models import Article, ArticleAttachment
from knowledge.search import search_articles
from knowledge.services import (
    article_promote_reply,
    article_publish,
    article_save,
    article_use_record,
    question_save,
)
from knowledge.services.articles import may_write
from knowledge.text import render_markdown
from reviewdesk.access import CHANGE, VIEW, restrict
from reviewdesk.roles import hides_buyer_data

READ_PERM = "knowledge.view_article"


def nav_links_for(request) -> list[tuple[str, str]]:
    """The main navigation's link to the knowledge base, for who may read it (from the roles already
    read for the navigation: no query)."""
    from knowledge.permissions import ROLE_PERMISSIONS
    from reviewdesk.access import user_roles

    user = request.user
    if not user.is_authenticated or hides_buyer_data(user):
        return []
    if user.is_superuser or any(READ_PERM in ROLE_PERMISSIONS.get(role, ()) for role in user_roles(user)):
        return [(gettext_lazy("知识库"), reverse("knowledge:list"))]
    return []


def _reader(request) -> None:
    if not request.user.has_perm(READ_PERM):
        raise PermissionDenied


def _pk(value) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    return pk


def _article_or_404(user, pk, action: str = VIEW) -> Article:
    """An article within reach; a draft only for who may write it (else it does not exist for them)."""
    article = restrict(Article.objects.select_related("owner", "product_line", "issue_type"), user, action)
    article = article.filter(pk=_pk(pk)).first()
    if article is None:
        raise Http404(_("没有找到这篇文章。"))
    if article.status != ArticleStatus.PUBLISHED and action == VIEW and not may_write(user, article):
        raise Http404(_("没有找到这篇文章。"))
    return article


def _row(article: Article) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "kind": article.get_kind_display(),
        "status": article.get_status_display(),
        "layer": article.shop.code
        if article.shop_id
        else (article.client.code if article.client_id else _("全局")),
        "item_id": article.item_id,
        "sku_pattern": article.sku_pattern,
        "issue_type": article.issue_type.name if article.issue_type_id else "",
        "updated_at": article.updated_at,
    }


@login_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    _reader(request)
    user = request.user
    query = (request.GET.get("q") or "").strip()[:100]
    related = ("shop", "client", "issue_type")
    if query:
        found = search_articles(user, query)
        articles = [_row(a) for a in found]
    else:
        published = restrict(Article.objects.filter(status=ArticleStatus.PUBLISHED), user)
        articles = [_row(a) for a in published.select_related(*related)[:100]]
    drafts = []
    if user.has_perm("knowledge.change_article"):
        own = restrict(Article.objects.filter(status=ArticleStatus.DRAFT), user, CHANGE)
        drafts = [_row(a) for a in own.select_related(*related)[:100]]
    context = {
        "query": query,
        "articles": articles,
        "drafts": drafts,
        "may_add": user.has_perm("knowledge.add_article"),
    }
    return render(request, "knowledge/list.html", context)


@login_required
@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _reader(request)
    user = request.user
    article = _article_or_404(user, pk)
    writer = may_write(user, article)
    history = [
        {
            "version": i,
            "at": h.history_date,
            "by": str(h.history_user or ""),
            "title": h.title,
            "status": ArticleStatus(h.status).label if h.status in ArticleStatus.values else h.status,
        }
        for i, h in enumerate(article.history.select_related("history_user").order_by("history_date")[:50], 1)
    ]
    questions = []
    if writer or user.has_perm("knowledge.view_question"):
        for q in article.questions.all():
            questions.append(
                {
                    "text": q.text,
                    "kind": q.get_kind_display(),
                    "options": [{"text": o, "correct": i in q.correct} for i, o in enumerate(q.options)],
                }
            )
    context = {
        "article": _row(article),
        "html": mark_safe(render_markdown(article.body)),  # noqa: S308 - sanitised by render_markdown
        "attachments": [
            {"id": a.pk, "name": a.original_name, "size": a.size} for a in article.attachments.all()
        ],
        "history": list(reversed(history)),
        "questions": questions,
        "writer": writer,
        "may_publish": writer
        and article.status != ArticleStatus.PUBLISHED
        and (user.is_superuser or user.has_perm("knowledge.publish_article")),
        "question_form": QuestionForm() if writer else None,
        "owner": str(article.owner),
        "version": article.version,
    }
    return render(request, "knowledge/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    if not user.has_perm("knowledge.add_article" if pk is None else "knowledge.change_article"):
        raise PermissionDenied
    article = Article(owner=user) if pk is None else _article_or_404(user, pk, CHANGE)
    form = ArticleForm(request.POST or None, request.FILES or None, instance=article, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            article = article_save(article=form.save(commit=False), by=user, files=form.cleaned_data["files"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已保存。"))
            return redirect("knowledge:detail", pk=article.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "article_id": article.pk}
    return render(request, "knowledge/edit.html", context, status=status)


@login_required
@require_POST
def article_approve(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article_or_404(request.user, pk, CHANGE)
    try:
        article_publish(article=article, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已审核发布。"))
    return redirect("knowledge:detail", pk=article.pk)


@login_required
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article_or_404(request.user, pk, CHANGE)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("knowledge:detail", pk=article.pk)
    data = form.cleaned_data
    try:
        question_save(
            article=article,
            by=request.user,
            kind=data["kind"],
            text=data["text"],
            options=data["options"].splitlines(),
            correct=data["correct"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("考题已加入题库。"))
    return redirect("knowledge:detail", pk=article.pk)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int):
    _reader(request)
    attachment = get_object_or_404(ArticleAttachment, pk=_pk(pk))
    _article_or_404(request.user, attachment.article_id)  # the article's reach is the file's
    return download_response(attachment)


@login_required
@require_GET
def case_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's knowledge fragment (htmx): the articles fitting the case, ranked."""
    from knowledge.panels import panel_context

    if hides_buyer_data(request.user):
        raise Http404
    case = case_or_404(request.user, case_id)
    return render(request, "knowledge/_case_panel.html", {"panel": panel_context(case)})


@login_required
@require_POST
def article_use(request: HttpRequest, pk: int, case_id: int) -> HttpResponse:
    """The composer's quick-reply button tells that it inserted this article on this case."""
    _reader(request)
    case = case_or_404(request.user, case_id)
    article = _article_or_404(request.user, pk)
    try:
        article_use_record(article=article, case=case, by=request.user)
    except ValidationError:
        raise Http404 from None
    return HttpResponse(status=204)


@login_required
@require_POST
def reply_promote(request: HttpRequest, pk: int) -> HttpResponse:
    from cases.models import Reply

    reply_case = Reply.objects.filter(pk=_pk(pk)).values_list("case_id", flat=True).first()
    case = case_or_404(request.user, reply_case, CHANGE)  # a reply out of reach is a 404, like its case
    reply = Reply.objects.select_related("case__review", "case__issue_type").get(pk=pk)
    try:
        article_promote_reply(reply=reply, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已推荐为知识草稿，等待运营经理审核发布。"))
    return redirect("cases:case_detail", pk=case.pk)
