"""Two writers save overlapping peak seasons at the same moment (threads, real commits on PostgreSQL): the
overlap check holds under the race, whichever path writes (a form's ``full_clean()`` then ``save()`` in
one transaction as the admin and the pack import do, or a bare ``save()`` as a service might). Exactly one
period of a layer is stored; the other writer gets the Chinese refusal and leaves nothing behind. Periods
of different layers are both stored."""

import datetime as dt
import io
import threading
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from policies.models import CampaignPeriod
from reviewdesk.models import Client as Brand
from tests.factories import ShopFactory
from tests.postgres_race import race, sessions_waiting_on_a_lock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 1, tzinfo=SH)
END = dt.datetime(2026, 11, 12, tzinfo=SH)
ROUNDS = 4


def checked_save(name, *, start=START, end=END, **layer):
    """What the admin's form and the pack import do: validate, then save, in one transaction."""
    with transaction.atomic():
        row = CampaignPeriod(name=name, starts_at=start, ends_at=end, **layer)
        row.full_clean()
        row.save()
        return row


def bare_save(name, **layer):
    """A path that skips validation: save() alone still refuses."""
    return CampaignPeriod.objects.create(name=name, starts_at=START, ends_at=END, **layer)


def overlap_message(other: str) -> str:
    return f"与同一层级的大促时段“{other}”(2026-11-01 00:00 – 2026-11-12 00:00)时间重叠。"


@pytest.mark.parametrize("write", [checked_save, bare_save], ids=["full_clean_then_save", "bare_save"])
def test_two_overlapping_periods_of_one_layer_at_once_exactly_one_is_stored(write):
    shop = ShopFactory(code="pg-camp", platform="taobao")
    for n in range(ROUNDS):
        layer = {} if n % 2 else {"shop": shop}  # the global layer and a shop's
        names = (f"双11-{n}a", f"双11-{n}b")
        outcomes = race([lambda name=name, layer=layer: write(name, **layer) for name in names])

        stored = list(CampaignPeriod.objects.filter(name__in=names).values_list("name", flat=True))
        assert len(stored) == 1, (outcomes, stored)
        winner = outcomes[names.index(stored[0])]
        loser = outcomes[1 - names.index(stored[0])]
        assert isinstance(winner, CampaignPeriod) and isinstance(loser, ValidationError), outcomes
        assert loser.message_dict == {"starts_at": [overlap_message(stored[0])]}
        # Nothing of the refused one: no row, no history.
        assert not CampaignPeriod.history.filter(name=names[1 - names.index(stored[0])]).exists()
        CampaignPeriod.objects.filter(name__in=names).delete()


def test_overlapping_periods_of_different_layers_at_once_are_both_stored():
    brand = Brand.objects.create(code="pg-brand", name="品牌")
    shop = ShopFactory(code="pg-camp-2", platform="taobao", client=brand)
    layers = [{}, {"client": brand}, {"shop": shop}]
    outcomes = race(
        [lambda layer=layer, n=n: checked_save(f"双11-{n}", **layer) for n, layer in enumerate(layers)]
    )
    assert all(isinstance(o, CampaignPeriod) for o in outcomes), outcomes
    assert sorted(CampaignPeriod.objects.values_list("name", "shop_id", "client_id"), key=lambda r: r[0]) == [
        ("双11-0", None, None),
        ("双11-1", None, brand.pk),
        ("双11-2", shop.pk, None),
    ]


def test_the_second_writer_waits_on_the_lock_then_is_refused():
    """Deterministic interleaving: the first writer has checked and saved but not committed; the second's
    check waits on the peak seasons' lock (without it, it would see no row and save an overlap) and, once
    the first commits, finds its period and writes nothing."""
    acted, release = threading.Event(), threading.Event()
    outcomes = {}

    def first():
        try:
            with transaction.atomic():
                outcomes["first"] = checked_save("双11")
                acted.set()
                release.wait(10)
        finally:
            connection.close()

    def second():
        acted.wait(10)
        try:
            checked_save(
                "双11返场",
                start=dt.datetime(2026, 11, 11, tzinfo=SH),
                end=dt.datetime(2026, 11, 20, tzinfo=SH),
            )
        except ValidationError as exc:
            outcomes["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    acted.wait(10)
    waiting = sessions_waiting_on_a_lock(advisory=True)
    assert waiting == 1
    release.set()
    for thread in threads:
        thread.join()

    assert isinstance(outcomes["first"], CampaignPeriod)
    assert outcomes["second"].message_dict == {"starts_at": [overlap_message("双11")]}
    assert list(CampaignPeriod.objects.values_list("name", flat=True)) == ["双11"]


def pack_with(name: str) -> bytes:
    """A policy pack workbook with one sheet, 大促时段, holding one global period ``name`` (written by the
    pack's own export, then rolled back: the database keeps nothing of it)."""
    from openpyxl import Workbook

    from policies.pack import sheet_name
    from policies.resources_campaigns import CampaignPeriodResource

    with transaction.atomic():
        row = CampaignPeriod.objects.create(name=name, starts_at=START, ends_at=END)
        dataset = CampaignPeriodResource().export(queryset=CampaignPeriod.objects.filter(pk=row.pk))
        transaction.set_rollback(True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name(CampaignPeriodResource)
    sheet.append(list(dataset.headers))
    for values in dataset:
        sheet.append(list(values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_two_pack_imports_of_overlapping_periods_at_once_store_one():
    from policies.pack import import_pack

    names = ("双11甲", "双11乙")
    packs = [pack_with(name) for name in names]
    assert not CampaignPeriod.objects.exists()
    reports = race([lambda data=data: import_pack(data, dry_run=False) for data in packs])

    stored = list(CampaignPeriod.objects.values_list("name", flat=True))
    assert len(stored) == 1 and stored[0] in names, stored
    winner, loser = (reports[0], reports[1]) if stored[0] == names[0] else (reports[1], reports[0])
    assert winner.ok and winner.written
    assert not loser.written
    assert [e.message for e in loser.errors] == [overlap_message(stored[0])]
    assert not CampaignPeriod.history.exclude(name=stored[0]).exists()
