"""Malicious reviews: mark, collect evidence, file the platform appeal by its checklist, record the
outcome (see cases.workflow.services for the contract)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import AppealOutcome, EvidenceKind
from cases.choices import WorkflowAction as A
from cases.errors import WorkflowError as E
from cases.models import Appeal, Case, Evidence
from cases.workflow.compose import appeal_requirements, policy_for
from cases.workflow.contact import case_evidence, choice
from cases.workflow.core import begin, case_to_act_on, commit, emit, refuse, timeline_only
from cases.workflow.files import ALLOWED_EXTENSIONS, KINDS_FOR_FAMILY, sniff
from cases.workflow.guards import roles_of
from cases.workflow.table import EVERYONE


def case_mark_malicious(
    *, case_id: int, by, version: int, note: str = "", now: dt.datetime | None = None
) -> Case:
    """The review is malicious (extortion, competitor …): the case leaves the compensation path."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(
            case_id=case_id, by=by, version=version, action=A.MARK_MALICIOUS, data={"note": note}
        )
        commit(
            case=case,
            by=by,
            version=version,
            action=A.MARK_MALICIOUS,
            to_state=row.to_state,
            now=now,
            changes={"is_malicious": True},
            payload={"note": note.strip()},
        )
    return case


def _check_appeal(
    case: Case, requirements, *, reason_type: str, description: str, evidence: list[Evidence], now
) -> None:
    if not requirements.allowed or not requirements.reasons:
        raise refuse(E.APPEAL_NOT_ALLOWED, _("本平台不支持申诉或没有配置申诉清单。"))
    if case.appeal_until is not None and now > case.appeal_until:
        raise refuse(
            E.APPEAL_DEADLINE_PASSED,
            _("申诉截止时间%(until)s已过。"),
            until=timezone.localtime(case.appeal_until).strftime("%Y-%m-%d %H:%M"),
        )
    if requirements.once_per_review and case.appeals.exists():
        raise refuse(E.APPEAL_ONCE, _("本平台每条评价只能申诉一次，本案已申诉过。"))
    if requirements.chosen is None:
        raise refuse(
            E.APPEAL_REASON, _("申诉理由须为：%(reasons)s。"), reasons="、".join(requirements.reason_types)
        )
    limit = requirements.description_max_chars
    if limit is not None and len(description) > limit:
        raise refuse(
            E.APPEAL_DESCRIPTION_TOO_LONG,
            _("申诉说明最多%(max)s字(当前%(length)s字)。"),
            max=limit,
            length=len(description),
        )
    covered = {e.checklist_item for e in evidence}
    missing = [item for item in requirements.evidence_required if item not in covered]
    if missing:
        raise refuse(
            E.APPEAL_EVIDENCE_MISSING,
            _("以“%(reason)s”申诉缺少所需证据：%(missing)s。"),
            reason=requirements.chosen.label,
            missing="、".join(missing),
        )
    images = sum(1 for e in evidence if e.kind == EvidenceKind.IMAGE)
    if requirements.max_images is not None and images > requirements.max_images:
        raise refuse(
            E.APPEAL_TOO_MANY_IMAGES,
            _("图片最多%(max)s张(已选%(count)s张)。"),
            max=requirements.max_images,
            count=images,
        )


def case_file_appeal(
    *,
    case_id: int,
    by,
    version: int,
    reason_type: str = "",
    description: str = "",
    evidence_ids=(),
    now: dt.datetime | None = None,
) -> Case:
    """File the platform appeal for one reason (``reason_type``: the reason's code, e.g. ``extortion``, or
    the platform's name of it): the checklist of the case's platform for that reason decides the
    evidence required, the length and the image count; the deadline and once-per-review are checked."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=A.FILE_APPEAL)
        description = (description or "").strip()
        evidence = case_evidence(case, evidence_ids)
        reason_type = (reason_type or "").strip()
        requirements = appeal_requirements(case, policy_for(case), reason=reason_type)
        _check_appeal(
            case, requirements, reason_type=reason_type, description=description, evidence=evidence, now=now
        )
        chosen = requirements.chosen
        checklist = {
            "rule": requirements.rule.as_dict(),
            "reason": chosen.code,
            "reason_label": chosen.label,
            "reason_types": list(requirements.reason_types),
            "evidence_required": list(requirements.evidence_required),
            "max_images": requirements.max_images,
            "description_max_chars": requirements.description_max_chars,
            "once_per_review": requirements.once_per_review,
        }
        appeal = Appeal.objects.create(
            case=case,
            reason_type=chosen.label,
            description=description,
            checklist=checklist,
            filed_by=by,
            filed_at=now,
            deadline=case.appeal_until,
        )
        appeal.evidence.set(evidence)
        commit(
            case=case,
            by=by,
            version=version,
            action=A.FILE_APPEAL,
            to_state=row.to_state,
            now=now,
            payload={
                "appeal_id": appeal.pk,
                "reason_type": chosen.label,
                "reason": chosen.code,
                "evidence_ids": sorted(e.pk for e in evidence),
            },
        )
    return case


def case_appeal_outcome(
    *, case_id: int, by, version: int, outcome: str = "", note: str = "", now: dt.datetime | None = None
) -> Case:
    """The platform decided: won (review removed/hidden) or lost. The case is resolved either way."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=A.APPEAL_OUTCOME)
        outcome = choice(outcome, AppealOutcome, "outcome")
        appeal = case.appeals.filter(outcome="").order_by("-filed_at", "-pk").first()
        if appeal is None:
            raise refuse(E.BAD_CHOICE, _("没有待出结果的申诉。"))
        appeal.outcome, appeal.outcome_note, appeal.decided_by, appeal.decided_at = (
            outcome,
            (note or "").strip(),
            by,
            now,
        )
        appeal.save(update_fields=["outcome", "outcome_note", "decided_by", "decided_at"])
        after = []
        agent_id = case.assignee_id or appeal.filed_by_id
        if outcome == AppealOutcome.WON:
            after.append(
                emit(
                    "appeal_won",
                    case.pk,
                    {
                        "agent_id": agent_id,
                        "shop_id": case.shop_id,
                        "platform": case.platform,
                        "decided_at": now,
                    },
                )
            )
        commit(
            case=case,
            by=by,
            version=version,
            action=A.APPEAL_OUTCOME,
            to_state=row.to_state,
            now=now,
            changes={"resolved_at": now, "next_response_due_at": None, "next_response_warn_at": None},
            payload={"appeal_id": appeal.pk, "outcome": outcome, "note": (note or "").strip()},
            after_commit=after,
        )
    return case


def evidence_add(
    *,
    case_id: int,
    by,
    file,
    kind: str,
    checklist_item: str = "",
    description: str = "",
    now: dt.datetime | None = None,
) -> Evidence:
    """Store an evidence file privately under MEDIA_ROOT after checking its real type and size."""
    now = now or timezone.now()
    case = case_to_act_on(by, case_id)
    if not roles_of(by) & set(map(str, EVERYONE)):
        raise refuse(E.ROLE_NOT_ALLOWED, _("你的角色不能上传证据。"))
    kind = choice(kind, EvidenceKind, "kind")
    name = getattr(file, "name", "") or ""
    size = getattr(file, "size", None)
    if not size:
        raise refuse(E.EVIDENCE_EMPTY, _("文件“%(name)s”是空的。"), name=name)
    limit = settings.EVIDENCE_MAX_BYTES
    if size > limit:
        raise refuse(
            E.EVIDENCE_SIZE,
            _("文件“%(name)s”超过%(max)sMB上限。"),
            name=name,
            max=round(limit / 1024 / 1024, 1),
        )
    sniffed = sniff(file, name)
    if sniffed is None:
        raise refuse(
            E.EVIDENCE_TYPE,
            _("文件“%(name)s”的类型不被接受或内容与扩展名不符(可用：%(allowed)s)。"),
            name=name,
            allowed="、".join(ALLOWED_EXTENSIONS),
        )
    family, content_type = sniffed
    if kind not in KINDS_FOR_FAMILY[family]:
        raise refuse(
            E.EVIDENCE_TYPE,
            _("文件“%(name)s”不是所选类型“%(kind)s”。"),
            name=name,
            kind=str(EvidenceKind(kind).label),
        )
    with transaction.atomic():
        evidence = Evidence(
            case=case,
            original_name=name[:255],
            kind=kind,
            checklist_item=(checklist_item or "")[:100],
            size=size,
            content_type=content_type,
            description=(description or "")[:200],
            uploaded_by=by,
            uploaded_at=now,
        )
        evidence.file.save(name, file, save=False)
        stored = evidence.file.name
        try:
            evidence.save()
            timeline_only(
                case=case,
                by=by,
                action=A.EVIDENCE_ADDED,
                now=now,
                payload={
                    "evidence_id": evidence.pk,
                    "name": evidence.original_name,
                    "kind": kind,
                    "checklist_item": evidence.checklist_item,
                    "size": size,
                },
            )
        except Exception:
            evidence.file.storage.delete(stored)
            raise
    return evidence
