"""Writes of articles: save (validated, layered, compliance-checked, versioned), publish, attach, the
use of a quick reply on a case, and a converted case's reply promoted to a draft."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.workflow.files import ALLOWED_EXTENSIONS, sniff
from knowledge.choices import ArticleKind, ArticleStatus
from knowledge.matching import validate_sku_pattern
from knowledge.models import Article, ArticleAttachment, ArticleUse
from knowledge.text import segmented
from reviewdesk.access import CHANGE, VIEW, can_access

MAX_FILES = 5
PUBLISH_PERM = "knowledge.publish_article"


def compliance_refusal(article: Article) -> str | None:
    """Why a quick reply's text may not be sent on some platform where it is offered (the one checker,
    conventions rule 18), or None. Only answers are inserted into the composer, so only they are checked."""
    from policies.choices import Channel
    from policies.engine import check_compliance
    from policies.loader import load_policy
    from reviewdesk.choices import Platform

    if article.kind != ArticleKind.ANSWER:
        return None
    shop = article.shop if article.shop_id else None
    client = article.client if article.client_id and shop is None else None
    for platform in [article.platform] if article.platform else list(Platform.values):
        policy = load_policy(shop=shop, platform=platform, client=client)
        for channel in (Channel.PRIVATE_MESSAGE, Channel.PUBLIC_REPLY):
            report = check_compliance(article.body, platform=platform, channel=channel, policy=policy)
            if report.blocked:
                return _("快捷回复违反%(platform)s的合规规则：%(reasons)s") % {
                    "platform": Platform(platform).label,
                    "reasons": "；".join(f.describe() for f in report.blocking),
                }
    return None


def write_refusal(user, article: Article) -> str | None:
    """Why ``user`` may not save ``article`` as it is now and as it was: the policy pack's layer rule
    (a shop's article its managers', a client's its members', a global one the policy owner's)."""
    from policies.scope import write_refusal as layer_refusal

    if user is not None and not user.is_superuser and not user.has_perm("knowledge.change_article"):
        return _("只有运营经理可以编辑知识文章。")
    refusal = layer_refusal(user, article)
    return refusal[1] if refusal else None


def checked_files(files) -> list[tuple[object, str, int, str]]:
    """(file, name, size, content type) of each upload, with the evidence rules: not empty, within
    EVIDENCE_MAX_BYTES, content agreeing with its extension. Nothing is stored before all pass."""
    files = [f for f in (files or []) if f]
    if len(files) > MAX_FILES:
        raise ValidationError(_("最多上传%(max)s个附件。") % {"max": MAX_FILES})
    limit = settings.EVIDENCE_MAX_BYTES
    checked = []
    for file in files:
        name = getattr(file, "name", "") or ""
        size = getattr(file, "size", None)
        if not size:
            raise ValidationError(_("文件“%(name)s”是空的。") % {"name": name})
        if size > limit:
            raise ValidationError(
                _("文件“%(name)s”超过%(max)sMB上限。") % {"name": name, "max": round(limit / 1024 / 1024, 1)}
            )
        sniffed = sniff(file, name)
        if sniffed is None:
            raise ValidationError(
                _("文件“%(name)s”的类型不被接受或内容与扩展名不符(可用：%(allowed)s)。")
                % {"name": name, "allowed": "、".join(ALLOWED_EXTENSIONS)}
            )
        checked.append((file, name, size, sniffed[1]))
    return checked


def article_save(*, article: Article, by, files=(), now: dt.datetime | None = None) -> Article:
    """Create or update ``article`` (fields already set by the caller's form). Refused with a
    ValidationError in words: a layer ``by`` may not write, a bad SKU pattern, a quick reply failing
    compliance, a bad attachment. A save is a new version; the history table keeps every one."""
    now = now or timezone.now()
    if refusal := write_refusal(by, article):
        raise ValidationError(refusal)
    article.title = (article.title or "").strip()
    article.item_id = (article.item_id or "").strip()
    article.sku_pattern = (article.sku_pattern or "").strip()
    validate_sku_pattern(article.sku_pattern)
    if article.owner_id is None:
        article.owner = by
    article.full_clean()
    if refusal := compliance_refusal(article):
        raise ValidationError({"body": refusal})
    checked = checked_files(files)
    article.search_title = segmented(article.title)
    article.search_body = segmented(article.body)
    if article.status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = now
    with transaction.atomic():
        if article.pk is not None:
            stored = Article.objects.select_for_update().only("version").get(pk=article.pk)
            article.version = stored.version + 1
        article._history_user = by
        article.save()
        _store_files(article, checked, now=now)
    return article


def _store_files(article: Article, checked, *, now: dt.datetime) -> None:
    for file, name, size, content_type in checked:
        row = ArticleAttachment(
            article=article, original_name=name[:255], size=size, content_type=content_type, uploaded_at=now
        )
        row.file.save(name, file, save=False)
        row.save()


def article_publish(*, article: Article, by, now: dt.datetime | None = None) -> Article:
    """A manager approves a draft: it is published (and shown on the matching cases)."""
    if not (by.is_superuser or by.has_perm(PUBLISH_PERM)):
        raise ValidationError(_("只有运营经理可以审核发布知识文章。"))
    if article.status == ArticleStatus.PUBLISHED:
        raise ValidationError(_("这篇文章已经发布。"))
    article.status = ArticleStatus.PUBLISHED
    article.published_at = None
    return article_save(article=article, by=by, now=now)


def article_use_record(*, article: Article, case, by, now: dt.datetime | None = None) -> ArticleUse:
    """``by`` inserted ``article`` on ``case`` (both already found through the access path)."""
    if article.status != ArticleStatus.PUBLISHED:
        raise ValidationError(_("这篇文章还没有发布。"))
    return ArticleUse.objects.create(article=article, case=case, user=by, at=now or timezone.now())


def article_promote_reply(*, reply, by, now: dt.datetime | None = None) -> Article:
    """A reply that converted its review becomes a DRAFT quick reply of the case's shop, for a manager
    to approve (publish). ``reply`` was found through the case's access path."""
    case = reply.case
    if case.converted_to_rating is None:
        raise ValidationError(_("只有促成买家改评的案件的回复才能推荐为知识。"))
    if not can_access(case, by, VIEW):
        raise ValidationError(_("没有找到这个案件。"))
    if Article.objects.filter(source_reply=reply).exists():
        raise ValidationError(_("这条回复已经推荐过了。"))
    issue = case.issue_type.name if case.issue_type_id else _("未分类")
    article = Article(
        shop_id=case.shop_id,
        kind=ArticleKind.ANSWER,
        status=ArticleStatus.DRAFT,
        title=(_("%(issue)s · 促成改评的回复(案件 #%(case)s)") % {"issue": issue, "case": case.pk})[:120],
        body=reply.text,
        item_id=(case.review.item_id or "")[:64],
        issue_type_id=case.issue_type_id,
        owner=by,
        source_reply=reply,
    )
    article.full_clean()
    if refusal := compliance_refusal(article):
        raise ValidationError(refusal)
    article.search_title = segmented(article.title)
    article.search_body = segmented(article.body)
    with transaction.atomic():
        article._history_user = by
        article.save()
    return article


def may_write(user, article: Article) -> bool:
    return write_refusal(user, article) is None and can_access(article, user, CHANGE)
