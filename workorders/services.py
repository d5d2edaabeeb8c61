"""Writes of work orders (conventions rule 1): raise, answer in the app, answer through a link.

Each is one transaction that also writes the case's timeline (``cases.workflow.core``): raising records
``work_order_raised``; an answer records ``work_order_answered`` and, when it names a responsibility
other than the case's, moves the case's ``responsibility`` through ``commit`` (the optimistic write every
workflow service uses, so an agent holding the old version is told the case changed). Side effects (the
group robot) run after commit.

Refusals are ``ValidationError`` with a code of ``workorders.choices.WorkOrderError`` and a message in the
user's language; the web and the API show them as they are.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import OPEN_STATUSES, Responsibility, WorkflowAction
from cases.models import Case
from cases.workflow.core import case_to_act_on, commit, timeline_only
from cases.workflow.files import ALLOWED_EXTENSIONS, sniff
from workorders.choices import WorkOrderError as E
from workorders.choices import WorkOrderSource, WorkOrderStatus
from workorders.clock import calendar_for, clock_for
from workorders.models import (
    Department,
    DepartmentMember,
    ExternalContact,
    ExternalLink,
    RequestType,
    WorkOrder,
    WorkOrderAttachment,
)

RAISED, ANSWERED = WorkflowAction.WORK_ORDER_RAISED, WorkflowAction.WORK_ORDER_ANSWERED  # timeline-only
MAX_FILES = 5
MAX_TEXT = 2000
LINK_SALT = "workorders.external-answer"
LINK_DAYS = 7


def refuse(code: str, message: str) -> ValidationError:
    return ValidationError(message, code=str(code))


# --- which departments a case may ask -------------------------------------------------------------


def departments_for(shop_id: int) -> list[Department]:
    """The active departments of a shop: its own rows, and the global ones it does not override."""
    rows = list(
        Department.objects.filter(Q(shop__isnull=True) | Q(shop_id=shop_id), active=True).order_by(
            "code", "shop_id"
        )
    )
    overridden = {d.code for d in rows if d.shop_id is not None}
    return [d for d in rows if d.shop_id is not None or d.code not in overridden]


def _text(value, *, label: str, code: str) -> str:
    text = (value or "").strip()
    if not text:
        raise refuse(code, _("请填写%(label)s。") % {"label": label})
    if len(text) > MAX_TEXT:
        raise refuse(E.TOO_LONG, _("%(label)s最多%(max)s字。") % {"label": label, "max": MAX_TEXT})
    return text


def checked_files(files) -> list[tuple[object, str, int, str]]:
    """(file, name, size, content type) of each upload, checked with the evidence rules: not empty,
    within EVIDENCE_MAX_BYTES, content agreeing with its extension. Nothing is stored before all pass."""
    files = [f for f in (files or []) if f]
    if len(files) > MAX_FILES:
        raise refuse(E.TOO_MANY_FILES, _("最多上传%(max)s个附件。") % {"max": MAX_FILES})
    checked = []
    limit = settings.EVIDENCE_MAX_BYTES
    for file in files:
        name = getattr(file, "name", "") or ""
        size = getattr(file, "size", None)
        if not size:
            raise refuse("evidence_empty", _("文件“%(name)s”是空的。") % {"name": name})
        if size > limit:
            raise refuse(
                "evidence_size",
                _("文件“%(name)s”超过%(max)sMB上限。") % {"name": name, "max": round(limit / 1024 / 1024, 1)},
            )
        sniffed = sniff(file, name)
        if sniffed is None:
            raise refuse(
                "evidence_type",
                _("文件“%(name)s”的类型不被接受或内容与扩展名不符(可用：%(allowed)s)。")
                % {"name": name, "allowed": "、".join(ALLOWED_EXTENSIONS)},
            )
        checked.append((file, name, size, sniffed[1]))
    return checked


def _store_files(order: WorkOrder, checked, *, of_answer: bool, now: dt.datetime) -> None:
    for file, name, size, content_type in checked:
        row = WorkOrderAttachment(
            work_order=order,
            original_name=name[:255],
            size=size,
            content_type=content_type,
            of_answer=of_answer,
            uploaded_at=now,
        )
        row.file.save(name, file, save=False)
        row.save()


# --- raise ------------------------------------------------------------------------------------------


def work_order_raise(
    *,
    case_id: int,
    by,
    department_id,
    request_type_id,
    question: str,
    contact_id=None,
    files=(),
    source: str = WorkOrderSource.MANUAL,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """An agent's question to a department about a case they may change (else NOT_FOUND)."""
    try:
        case = case_to_act_on(by, case_id)
    except ValidationError as exc:
        raise refuse(E.NOT_FOUND, exc.messages[0]) from exc
    return raise_for_case(
        case=case,
        by=by,
        department_id=department_id,
        request_type_id=request_type_id,
        question=question,
        contact_id=contact_id,
        files=files,
        source=source,
        now=now,
    )


def _pick(model, pk, queryset, code, message):
    try:
        return queryset.get(pk=int(pk))
    except (TypeError, ValueError, model.DoesNotExist):
        raise refuse(code, message) from None


def raise_for_case(
    *,
    case: Case,
    by,
    department_id,
    request_type_id,
    question: str,
    contact_id=None,
    files=(),
    source: str = WorkOrderSource.MANUAL,
    dedupe_key: str | None = None,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """Raise on a case already found through the access path (or by an automatic rule: ``by`` None)."""
    now = now or timezone.now()
    if case.status not in OPEN_STATUSES:
        raise refuse(E.CASE_CLOSED, _("案件已解决或关闭，不能再发起工单。"))
    allowed = {d.pk: d for d in departments_for(case.shop_id)}
    department = allowed.get(_as_int(department_id))
    if department is None:
        raise refuse(E.BAD_DEPARTMENT, _("请选择本店铺可用的协作部门。"))
    request_type = _pick(
        RequestType,
        request_type_id,
        RequestType.objects.filter(department=department, active=True),
        E.BAD_REQUEST_TYPE,
        _("请选择“%(department)s”的请求类型。") % {"department": department.name},
    )
    contact = None
    if contact_id not in (None, ""):
        contact = _pick(
            ExternalContact,
            contact_id,
            ExternalContact.objects.filter(department=department, active=True),
            E.BAD_CONTACT,
            _("外部联系人不属于“%(department)s”。") % {"department": department.name},
        )
    question = _text(question, label=_("问题"), code=E.EMPTY_QUESTION)
    checked = checked_files(files)
    clock = clock_for(
        start=now,
        minutes=request_type.sla_minutes,
        warn_at_percent=request_type.warn_at_percent,
        calendar=calendar_for(department, case),
    )
    with transaction.atomic():
        order = WorkOrder(
            case=case,
            department=department,
            request_type=request_type,
            contact=contact,
            question=question,
            source=source,
            blocking=request_type.blocking,
            raised_by=by,
            raised_at=now,
            warn_at=clock.warn_at,
            due_at=clock.due_at,
            supervisor_at=clock.supervisor_at,
            next_check_at=clock.warn_at,
            dedupe_key=dedupe_key,
        )
        try:
            with transaction.atomic():
                order.save()
        except IntegrityError:
            if dedupe_key is None:
                raise
            return WorkOrder.objects.get(dedupe_key=dedupe_key)
        _store_files(order, checked, of_answer=False, now=now)
        if contact is not None:
            ExternalLink.objects.create(
                work_order=order, contact=contact, created_at=now, expires_at=clock.supervisor_at
            )
        timeline_only(
            case=case,
            by=by,
            action=RAISED,
            now=now,
            payload={
                "work_order_id": order.pk,
                "note": f"{department.name} · {request_type.name}：{question}",
                "due_at": order.due_at,
            },
        )
        transaction.on_commit(lambda: _announce(order.pk))
    return order


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _announce(order_id: int) -> None:
    from django_q.tasks import async_task

    async_task("workorders.robot.announce", order_id)


# --- answer -----------------------------------------------------------------------------------------


def may_answer(user, order: WorkOrder) -> bool:
    """A member of the order's department, within the shops the user may see (through the access path)."""
    from workorders.queries import orders_for

    return (
        DepartmentMember.objects.filter(department_id=order.department_id, user_id=user.pk).exists()
        and orders_for(user).filter(pk=order.pk).exists()
    )


def work_order_answer(
    *, order_id, by, answer: str, responsibility: str = "", files=(), now: dt.datetime | None = None
) -> WorkOrder:
    """A department member's answer (once). NOT_FOUND for an order out of reach, NOT_MEMBER for one
    the user may see but not answer (an agent of the case)."""
    from workorders.queries import orders_for

    order = orders_for(by).filter(pk=_as_int(order_id) or 0).select_related("case", "department").first()
    if order is None:
        raise refuse(E.NOT_FOUND, _("工单不存在或无权查看。"))
    if not DepartmentMember.objects.filter(department_id=order.department_id, user_id=by.pk).exists():
        raise refuse(
            E.NOT_MEMBER,
            _("只有“%(department)s”的成员可以答复此工单。") % {"department": order.department.name},
        )
    return _answer(
        order, by=by, contact=None, answer=answer, responsibility=responsibility, files=files, now=now
    )


def _answer(order, *, by, contact, answer, responsibility, files, now) -> WorkOrder:
    now = now or timezone.now()
    answer = _text(answer, label=_("答复"), code=E.EMPTY_ANSWER)
    responsibility = (responsibility or "").strip()
    if responsibility and responsibility not in Responsibility.values:
        raise refuse(E.BAD_RESPONSIBILITY, _("请选择列表中的责任方。"))
    checked = checked_files(files)
    with transaction.atomic():
        updated = WorkOrder.objects.filter(pk=order.pk, status=WorkOrderStatus.OPEN).update(
            status=WorkOrderStatus.ANSWERED,
            answer=answer,
            responsibility=responsibility,
            answered_at=now,
            answered_by=by,
            answered_by_contact=contact,
            next_check_at=None,
        )
        if updated != 1:
            raise refuse(E.ALREADY_ANSWERED, _("此工单已经答复过了。"))
        order.refresh_from_db()
        _store_files(order, checked, of_answer=True, now=now)
        _land_on_case(order, by=by, contact=contact, now=now)
    return order


def _land_on_case(order: WorkOrder, *, by, contact, now) -> None:
    """The answer on the case's timeline; a new responsibility moves the case (optimistically)."""
    case = Case.objects.select_for_update().get(pk=order.case_id)
    who = contact.name if contact is not None else ""
    payload = {
        "work_order_id": order.pk,
        "note": f"{order.department.name} · {order.request_type.name}：{order.answer}",
        "outcome": who,
    }
    if order.responsibility and order.responsibility != case.responsibility:
        commit(
            case=case,
            by=by,
            version=case.version,
            action=ANSWERED,
            to_state=None,
            changes={"responsibility": order.responsibility},
            payload=payload,
            now=now,
        )
    else:
        timeline_only(case=case, by=by, action=ANSWERED, payload=payload, now=now)


# --- the external link ------------------------------------------------------------------------------


def link_token(link: ExternalLink) -> str:
    """The signed token of a link: not timestamped, so the same every time it is shown (the row decides
    expiry and use); the signature (SECRET_KEY, a salt of its own) makes it unforgeable."""
    return signing.Signer(salt=LINK_SALT).sign_object({"o": link.work_order_id, "n": str(link.nonce)})


def link_for_token(
    order_id, token: str, *, now: dt.datetime | None = None, lock: bool = False
) -> ExternalLink:
    """The link a token names for this order, or a refusal: tampered or for another order (INVALID),
    expired, used. A refusal never says whether the order exists."""
    now = now or timezone.now()
    try:
        data = signing.Signer(salt=LINK_SALT).unsign_object(token)
        nonce, signed_order = str(data["n"]), int(data["o"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise refuse(E.LINK_INVALID, _("链接无效，请向发起人索取新的链接。")) from None
    if signed_order != _as_int(order_id):
        raise refuse(E.LINK_INVALID, _("链接无效，请向发起人索取新的链接。"))
    rows = ExternalLink.objects.select_related(
        "work_order__department", "work_order__request_type", "contact"
    )
    if lock:
        rows = rows.select_for_update(of=("self",))
    link = rows.filter(nonce=nonce, work_order_id=signed_order).first()
    if link is None:
        raise refuse(E.LINK_INVALID, _("链接无效，请向发起人索取新的链接。"))
    if link.used_at is not None or link.work_order.status != WorkOrderStatus.OPEN:
        raise refuse(E.LINK_USED, _("此链接已经用过，工单已答复。"))
    if now >= link.expires_at:
        raise refuse(E.LINK_EXPIRED, _("链接已过期，请向发起人索取新的链接。"))
    return link


def external_answer(
    *, order_id, token: str, answer: str, responsibility: str = "", files=(), now: dt.datetime | None = None
) -> WorkOrder:
    """An external contact's one answer through the link (no account): the link is marked used in the
    same transaction, so a second submission — even at the same moment — is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        link = link_for_token(order_id, token, now=now, lock=True)
        used = ExternalLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
        if used != 1:
            raise refuse(E.LINK_USED, _("此链接已经用过，工单已答复。"))
        return _answer(
            link.work_order,
            by=None,
            contact=link.contact,
            answer=answer,
            responsibility=responsibility,
            files=files,
            now=now,
        )


# --- the resolve guard ------------------------------------------------------------------------------


def resolve_blocker(case) -> tuple[str, str] | None:
    """``cases.hooks.resolve_blockers``: an open blocking order keeps the case from being resolved."""
    names = list(
        WorkOrder.objects.filter(case_id=case.pk, status=WorkOrderStatus.OPEN, blocking=True)
        .order_by("due_at")
        .values_list("department__name", flat=True)[:3]
    )
    if not names:
        return None
    return str(E.RESOLVE_BLOCKED), _("还有未答复的工单(%(departments)s)，答复后才能结案。") % {
        "departments": "、".join(names)
    }
