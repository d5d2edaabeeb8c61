"""Erasing a client's buyers' personal data after its retention period (cases.offboarding.erase): the
personal columns of its expired reviews are blank, the free text masked, the timeline payloads and
replies cleaned; the ledger, the insights rollups (as stored and as rebuilt) and SLA attainment read the
same numbers before and after; recent reviews and another client's are untouched; ``--dry-run`` changes
nothing; the daily schedule exists.

The data set is the insights world (tests/insights/dataset.py, 2026-11): client 甲 owns shop A (retention
30 days), client 乙 shop B. Erasing "now" = 2026-12-20 reaches shop A's reviews written before
2026-11-20 00:00 (UTC), not the later ones."""

from __future__ import annotations

import datetime as dt
import importlib
import os
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django_q.models import Schedule

from cases.models import Buyer, CaseEvent, Reply, Review, ReviewRevision
from cases.offboarding.erase import erase_buyer_data, erase_every_client
from incentives.models import LedgerEntry
from insights.attainment.query import DIMENSIONS, attainment
from insights.models import OfferRollup, ReviewRollup
from insights.selectors.dashboard import Filters
from insights.services.rollup import rollup_rebuild_all
from reviewdesk.models import Client, Shop
from tests.factories import LedgerEntryFactory
from tests.insights.dataset import NOW, built_world

pytestmark = pytest.mark.django_db

PHONE, ADDRESS, IP = "13812345678", "浙江省杭州市西湖区文三路100号3栋", "10.1.2.3"
ERASE_AT = dt.datetime(2026, 12, 20, tzinfo=dt.UTC)
CUTOFF = ERASE_AT - dt.timedelta(days=30)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with built_world(django_db_blocker) as built:
        yield built


@pytest.fixture
def brands(world):
    jia = Client.objects.create(code="brand-jia", name="品牌甲", buyer_data_retention_days=30)
    yi = Client.objects.create(code="brand-yi", name="品牌乙", buyer_data_retention_days=30)
    Shop.objects.filter(pk=world.shop_a.pk).update(client=jia)
    Shop.objects.filter(pk=world.shop_b.pk).update(client=yi)
    Review.objects.update(
        buyer_phone=PHONE,
        buyer_address=ADDRESS,
        buyer_ip=IP,
        content=f"快递太慢，打我电话{PHONE}",
        reply_content=f"已联系您 {PHONE}",
    )
    for index, review in enumerate(Review.objects.filter(buyer__isnull=True).order_by("pk")):
        review.buyer = Buyer.objects.create(
            shop_id=review.shop_id,
            platform=review.platform,
            nick=f"买家{index}",
            last_review_at=review.reviewed_at,
        )
        review.save(update_fields=["buyer"])
    case = world.cases["c2"]  # shop A, 2026-11-17: expired
    CaseEvent.objects.create(
        case=case, action="contact", version=9, payload={"phone": PHONE, "channel": "phone"}, at=NOW
    )
    Reply.objects.create(case=case, channel="private", text=f"您好，已寄往{ADDRESS}", by=world.agent1, at=NOW)
    ReviewRevision.objects.create(
        review=case.review,
        before={"buyer_phone": PHONE, "content": f"电话{PHONE}", "rating": 1},
        after={"buyer_phone": None, "content": "改了", "rating": 2},
        changed_fields=["buyer_phone", "content", "rating"],
        at=NOW,
        source="api",
    )
    for key, amount in (("c2", "5.00"), ("c4", "3.00"), ("b1", "2.00")):
        LedgerEntryFactory(user=world.agent1, amount=Decimal(amount), case_ref=world.cases[key].pk)
    rollup_rebuild_all()
    return jia, yi


def figures(world) -> dict:
    """Every number the erasure must keep: the ledger, the rollups as stored, attainment by every dimension."""
    filters = Filters(
        shop_ids=(world.shop_a.pk, world.shop_b.pk), start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30)
    )
    return {
        "ledger": list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount", "case_ref", "kind")),
        "ledger_total": LedgerEntry.objects.aggregate(n=Count("pk"), total=Sum("amount")),
        "reviews": sorted(
            ReviewRollup.objects.values_list(
                "shop_id", "day", "dimension", "key", "label", "reviews", "negative"
            )
        ),
        "offers": sorted(
            OfferRollup.objects.values_list("shop_id", "day", "option_id", "answer", "offers", "cost")
        ),
        "attainment": {key: attainment(filters, key, now=NOW) for key in DIMENSIONS},
    }


def test_erasure_blanks_the_expired_buyers_data_and_keeps_every_figure(world, brands):
    jia, _yi = brands
    before = figures(world)
    assert before["reviews"] and before["offers"] and before["ledger_total"]["n"] == 3
    assert before["attainment"]["shop"][-1].cases > 0  # the totals row counts the month's cases
    expired = set(
        Review.objects.filter(shop=world.shop_a, reviewed_at__lt=CUTOFF).values_list("pk", flat=True)
    )
    recent = set(
        Review.objects.filter(shop=world.shop_a, reviewed_at__gte=CUTOFF).values_list("pk", flat=True)
    )
    assert expired and recent

    report = erase_buyer_data(jia, now=ERASE_AT)

    assert report.counts["reviews"] == len(expired) and report.counts["events"] == 1
    assert report.counts["replies"] == 1 and report.counts["revisions"] == 1
    erased = Review.objects.filter(pk__in=expired)
    assert set(erased.values_list("buyer_nick", "buyer_phone", "buyer_address", "buyer_ip")) == {
        ("", None, None, None)
    }
    assert set(erased.values_list("content", flat=True)) == {"快递太慢，打我电话[电话已隐藏]"}
    assert set(erased.values_list("reply_content", flat=True)) == {"已联系您 [电话已隐藏]"}
    kept = Review.objects.filter(pk__in=recent)
    assert set(kept.values_list("buyer_phone", "buyer_address", "buyer_ip")) == {(PHONE, ADDRESS, IP)}
    assert all(kept.values_list("buyer_nick", flat=True))
    other = Review.objects.filter(shop=world.shop_b)  # client 乙's reviews are older but not asked for
    assert set(other.values_list("buyer_phone", flat=True)) == {PHONE}

    case = world.cases["c2"]
    assert CaseEvent.objects.get(case=case, version=9).payload == {"channel": "phone"}
    assert Reply.objects.get(case=case).text == "您好，已寄往浙江省杭州市西湖区[地址已隐藏]"
    revision = ReviewRevision.objects.get(review=case.review)
    assert revision.before == {"buyer_phone": None, "content": "电话[电话已隐藏]", "rating": 1}
    assert PHONE not in str(revision.after)
    nicks = (
        Buyer.objects.filter(reviews__in=expired).exclude(reviews__in=recent).values_list("nick", flat=True)
    )
    assert nicks and all(n.startswith("已清除-") for n in nicks)

    assert figures(world) == before
    rollup_rebuild_all()  # recomputed from the erased reviews: the same rows
    assert figures(world) == before


def test_a_second_run_and_a_dry_run_change_nothing(world, brands):
    jia, yi = brands
    erase_buyer_data(jia, now=ERASE_AT)
    snapshot = list(Review.objects.order_by("pk").values())
    assert erase_buyer_data(jia, now=ERASE_AT).counts["reviews"] == 0
    dry = erase_buyer_data(yi, now=ERASE_AT, dry_run=True)
    assert dry.counts["reviews"] == Review.objects.filter(shop=world.shop_b).count() > 0
    assert list(Review.objects.order_by("pk").values()) == snapshot


def test_the_command_erases_one_client_and_its_dry_run_only_counts(world, brands, capsys, monkeypatch):
    from django.utils import timezone

    jia, _yi = brands
    monkeypatch.setattr(timezone, "now", lambda: ERASE_AT)
    call_command("erase_client_pii", client="brand-jia", dry_run=True)
    assert "将清除" in capsys.readouterr().out
    assert (
        Review.objects.filter(shop=world.shop_a, buyer_phone=PHONE).count()
        == Review.objects.filter(shop=world.shop_a).count()
    )
    call_command("erase_client_pii", client="brand-jia")
    assert "已清除" in capsys.readouterr().out
    assert not Review.objects.filter(shop=world.shop_a, reviewed_at__lt=CUTOFF, buyer_phone=PHONE).exists()
    with pytest.raises(Exception, match="没有代码为"):
        call_command("erase_client_pii", client="nobody")


def test_the_daily_task_covers_every_client_and_the_schedule_exists(world, brands):
    from django.apps import apps

    reports = {r.client: r.counts["reviews"] for r in erase_every_client(now=ERASE_AT)}
    assert (
        reports["brand-jia"] > 0 and reports["brand-yi"] == Review.objects.filter(shop=world.shop_b).count()
    )
    migration = importlib.import_module("reviewdesk.migrations.0006_client_offboarding")
    migration.create_schedule(apps, None)
    migration.create_schedule(apps, None)
    (schedule,) = Schedule.objects.filter(name=migration.NAME)
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (
        "cases.offboarding.tasks.erase_expired_buyer_data_task",
        "D",
        -1,
    )
    task = importlib.import_module("cases.offboarding.tasks")
    assert callable(task.erase_expired_buyer_data_task)


def test_an_expired_cases_evidence_files_are_deleted_and_their_rows_kept(
    world, brands, settings, tmp_path, client, django_capture_on_commit_callbacks
):
    """Chat screenshots carry the buyer's words: past the retention their files go (after the commit),
    the rows stay for the appeals' checklists, and a download answers 404, not 500."""
    from django.core.files.base import ContentFile
    from django.urls import reverse

    from cases.models import Evidence
    from cases.offboarding.erase import ERASED_FILE

    settings.MEDIA_ROOT = tmp_path / "media"
    jia, _yi = brands

    def evidence(case) -> Evidence:
        row = Evidence(
            case=case,
            original_name=f"聊天{PHONE}.png",
            kind="image",
            size=3,
            content_type="image/png",
            description=f"买家电话{PHONE}",
            uploaded_by=world.agent1,
            uploaded_at=NOW,
        )
        row.file.save("x.png", ContentFile(b"png"), save=True)
        return row

    old, recent = evidence(world.cases["c2"]), evidence(world.cases["c9"])  # 11-17 expired, 11-22 kept
    old_path, recent_path = old.file.path, recent.file.path

    with django_capture_on_commit_callbacks(execute=True):
        report = erase_buyer_data(jia, now=ERASE_AT)

    old.refresh_from_db()
    recent.refresh_from_db()
    assert report.counts["evidence"] == 1
    assert (old.file.name, old.original_name, old.description) == ("", ERASED_FILE, "")
    assert not os.path.exists(old_path)
    assert recent.original_name == f"聊天{PHONE}.png" and os.path.exists(recent_path)
    client.force_login(world.manager)
    url = reverse("cases:evidence_download", kwargs={"pk": old.case_id, "evidence_id": old.pk})
    assert client.get(url).status_code == 404
