from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from reviewdesk.models import Shop, ShopMembership, User


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop
        django_get_or_create = ("code",)

    platform = "taobao"
    code = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.Sequence(lambda n: f"测试店铺{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    employee_code = factory.Sequence(lambda n: f"E{n:05d}")
    display_name = factory.Sequence(lambda n: f"员工{n}")
    password = factory.django.Password("pw-Review-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=str(extracted)))

    @factory.post_generation
    def shops(self, create, extracted, **kwargs):
        for shop in extracted or ():
            ShopMembership.objects.get_or_create(shop=shop, user=self)


class ReviewFactory(factory.django.DjangoModelFactory):
    """A stored review of ``shop`` (a one-star complaint unless told), received when it was written."""

    class Meta:
        model = "cases.Review"

    shop = factory.SubFactory(ShopFactory)
    platform = factory.SelfAttribute("shop.platform")
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    order_no = factory.Sequence(lambda n: f"ORD{n:08d}")
    item_title = "纯棉四件套"
    rating = 1
    rating_text = "差评"
    content = "质量太差了，客服也不理人"
    reviewed_at = factory.LazyFunction(timezone.now)
    received_at = factory.SelfAttribute("reviewed_at")
    buyer_nick = factory.Sequence(lambda n: f"买家{n}")
    fingerprint = factory.Sequence(lambda n: f"fp{n}")
    source = "api"


class CaseFactory(factory.django.DjangoModelFactory):
    """A case opened on a review of its shop (not triaged: give it the fields a test needs; the engine's
    own cases come from tests/cases/workflow_factories.triaged_case)."""

    class Meta:
        model = "cases.Case"

    class Params:
        content = "质量太差了，客服也不理人"
        buyer_phone = None
        buyer_address = None

    shop = factory.SubFactory(ShopFactory)
    platform = factory.SelfAttribute("shop.platform")
    opened_at = factory.LazyFunction(timezone.now)
    review = factory.SubFactory(
        ReviewFactory,
        shop=factory.SelfAttribute("..shop"),
        content=factory.SelfAttribute("..content"),
        reviewed_at=factory.SelfAttribute("..opened_at"),
        buyer_phone=factory.SelfAttribute("..buyer_phone"),
        buyer_address=factory.SelfAttribute("..buyer_address"),
    )
    status = "new"
    handling_role = "agent"
    escalation_role = "supervisor"
    assignee = None
    assigned_at = factory.LazyAttribute(lambda case: case.opened_at if case.assignee else None)


class CompensationOfferFactory(factory.django.DjangoModelFactory):
    """An offer on a case (offered, a coupon of 20 yuan unless told), requested by the case's agent."""

    class Meta:
        model = "cases.CompensationOffer"

    case = factory.SubFactory(CaseFactory)
    option_id = 1
    option_name = "20元无门槛券"
    option_kind = "coupon"
    rule_ref = factory.LazyFunction(lambda: {"model": "compensationrule", "id": 1, "version": 1})
    amount = Decimal("20.00")
    cost = Decimal("20.00")
    status = "offered"
    requested_by = factory.LazyAttribute(lambda offer: offer.case.assignee)
    requested_at = factory.LazyFunction(timezone.now)


class LedgerEntryFactory(factory.Factory):
    """A ledger entry posted through ``entry_post`` (the ledger takes no other writes: its triggers
    refuse an edit), an award of one yuan under a fresh key unless told."""

    class Meta:
        model = dict  # built by _create below; only the service writes the ledger

    user = factory.SubFactory(UserFactory)
    unit = "cny"
    kind = "award"
    amount = Decimal("1")
    key = factory.Sequence(lambda n: f"test:{n}")

    @classmethod
    def _create(cls, model_class, **kwargs):
        from incentives.services.ledger import entry_post

        entry, _created = entry_post(**kwargs)
        return entry
