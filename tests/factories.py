import factory
from django.contrib.auth.models import Group

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
