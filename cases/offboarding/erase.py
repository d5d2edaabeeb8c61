"""Erasing a client's buyers' personal data after its retention period, keeping every figure.

``erase_buyer_data(client)`` takes the reviews of the client's shops written more than
``client.buyer_data_retention_days`` ago that still hold a buyer's data, and blanks:

- on the review, what ``cases.workflow.masking`` and ``reviewdesk.admin_pii`` name as personal: the
  buyer's nick, IP, phone and address emptied; the free text buyers wrote (review, appended review, the
  shop's reply) masked by ``reviewdesk.pii.mask_free_text`` (phone numbers, ID numbers, addresses go;
  the complaint stays readable). The item title and SKU stay as they are: they are the shop's catalogue
  and the keys of the insights rollups, not the buyer's words;
- the review's revisions (their ``before``/``after`` hold the old values): the same;
- the case's timeline payloads: the contact keys (``reviewdesk.pii.PAYLOAD_HIDDEN``) removed;
- the words sent to the buyer and the contact notes (``Reply.text``, ``ContactAttempt.note``): masked;
- the case's evidence files (chat screenshots, photos: the buyer's words and faces): deleted from storage
  after the chunk commits, the row kept (an appeal's checklist still counts it) with its file and
  description blank and its name ``ERASED_FILE`` (a download then answers 404);
- the buyer row (``Buyer.nick``, one per shop and nick) when every review of that buyer is erased: its
  nick replaced by ``已清除-<id>`` (the row stays: its counters feed the engine's per-buyer signals).

Nothing else changes: no row is deleted, no rating, date, status, amount, issue type, assignee or SLA
field is touched, so the ledger (``incentives``: it never reads these columns, and its triggers refuse
an edit anyway), the insights rollups and SLA attainment read the same numbers afterwards (the tests
compare them). A review already erased (its nick empty, no phone, address or IP) is not read again, so
the daily run costs what the day's newly expired reviews cost. Each chunk is one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import Buyer, CaseEvent, ContactAttempt, Evidence, Reply, Review, ReviewRevision
from reviewdesk.models import Client
from reviewdesk.pii import PAYLOAD_HIDDEN, mask_free_text

CHUNK = 1000
REVIEW_TEXT = ("content", "appended_content", "reply_content")
CONTACT_KEYS = frozenset({"buyer_nick", "buyer_ip", "buyer_phone", "buyer_address"})
ERASED_NICK = "已清除-{pk}"
ERASED_FILE = "已清除"


@dataclass
class Erasure:
    client: str
    cutoff: dt.datetime
    dry_run: bool = False
    counts: dict[str, int] = field(
        default_factory=lambda: {
            "reviews": 0,
            "revisions": 0,
            "events": 0,
            "replies": 0,
            "contacts": 0,
            "buyers": 0,
            "evidence": 0,
        }
    )


def holding_buyer_data() -> Q:
    return (
        ~Q(buyer_nick="")
        | Q(buyer_phone__isnull=False)
        | Q(buyer_address__isnull=False)
        | Q(buyer_ip__isnull=False)
    )


def expired_reviews(client: Client, *, now: dt.datetime | None = None):
    cutoff = (now or timezone.now()) - dt.timedelta(days=client.buyer_data_retention_days)
    reviews = Review.objects.filter(shop__client=client, reviewed_at__lt=cutoff).filter(holding_buyer_data())
    return reviews, cutoff


def erase_buyer_data(client: Client, *, now: dt.datetime | None = None, dry_run: bool = False) -> Erasure:
    """Erase (or with ``dry_run`` only count) the buyers' data of the client's expired reviews."""
    reviews, cutoff = expired_reviews(client, now=now)
    report = Erasure(client=client.code, cutoff=cutoff, dry_run=dry_run)
    if dry_run:
        report.counts["reviews"] = reviews.count()
        return report
    while True:
        ids = list(reviews.order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            break
        with transaction.atomic():
            _erase_chunk(ids, report.counts)
    with transaction.atomic():
        report.counts["buyers"] = _erase_buyers(client, cutoff)
    return report


def _masked_text(row, names) -> dict:
    return {name: mask_free_text(getattr(row, name)) for name in names if getattr(row, name)}


def _erase_chunk(ids: list[int], counts: dict[str, int]) -> None:
    reviews = list(Review.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for review in reviews:
        review.buyer_nick, review.buyer_ip, review.buyer_phone, review.buyer_address = "", None, None, None
        for name, value in _masked_text(review, REVIEW_TEXT).items():
            setattr(review, name, value)
    Review.objects.bulk_update(
        reviews, ["buyer_nick", "buyer_ip", "buyer_phone", "buyer_address", *REVIEW_TEXT]
    )
    counts["reviews"] += len(reviews)

    revisions = list(ReviewRevision.objects.filter(review_id__in=ids))
    for revision in revisions:
        revision.before, revision.after = _erased_values(revision.before), _erased_values(revision.after)
    ReviewRevision.objects.bulk_update(revisions, ["before", "after"])
    counts["revisions"] += len(revisions)

    events = [
        event
        for event in CaseEvent.objects.filter(case__review_id__in=ids).only("pk", "payload")
        if isinstance(event.payload, dict) and PAYLOAD_HIDDEN & set(event.payload)
    ]
    for event in events:
        event.payload = {k: v for k, v in event.payload.items() if k not in PAYLOAD_HIDDEN}
    CaseEvent.objects.bulk_update(events, ["payload"])
    counts["events"] += len(events)

    replies = list(Reply.objects.filter(case__review_id__in=ids).only("pk", "text"))
    for reply in replies:
        reply.text = mask_free_text(reply.text)
    Reply.objects.bulk_update(replies, ["text"])
    counts["replies"] += len(replies)

    contacts = list(
        ContactAttempt.objects.filter(case__review_id__in=ids).exclude(note="").only("pk", "note")
    )
    for contact in contacts:
        contact.note = mask_free_text(contact.note)
    ContactAttempt.objects.bulk_update(contacts, ["note"])
    counts["contacts"] += len(contacts)

    files = dict(Evidence.objects.filter(case__review_id__in=ids).exclude(file="").values_list("pk", "file"))
    Evidence.objects.filter(pk__in=files).update(file="", original_name=ERASED_FILE, description="")
    storage = Evidence._meta.get_field("file").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files.values()])
    counts["evidence"] += len(files)


def _erased_values(values):
    if not isinstance(values, dict):
        return values
    erased = {}
    for key, value in values.items():
        if key in CONTACT_KEYS:
            value = "" if key == "buyer_nick" else None
        elif key in REVIEW_TEXT and isinstance(value, str):
            value = mask_free_text(value)
        erased[key] = value
    return erased


def _erase_buyers(client: Client, cutoff: dt.datetime) -> int:
    """Buyers of the client's shops none of whose reviews still holds their data, nick not yet erased."""
    live = Review.objects.filter(buyer_id__isnull=False).filter(holding_buyer_data()).values("buyer_id")
    buyers = list(
        Buyer.objects.filter(shop__client=client)
        .exclude(nick__startswith="已清除-")
        .exclude(pk__in=live)
        .filter(Q(last_review_at__lt=cutoff) | Q(last_review_at__isnull=True))
        .only("pk", "nick")
    )
    for buyer in buyers:
        buyer.nick = ERASED_NICK.format(pk=buyer.pk)
    Buyer.objects.bulk_update(buyers, ["nick"], batch_size=CHUNK)
    return len(buyers)


def erase_every_client(*, now: dt.datetime | None = None) -> list[Erasure]:
    """The daily schedule: every client, active or not (an offboarded client's data expires too)."""
    return [erase_buyer_data(client, now=now) for client in Client.objects.order_by("code")]
