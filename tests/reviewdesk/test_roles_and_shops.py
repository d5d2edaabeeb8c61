import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from reviewdesk.access import visible_shops
from reviewdesk.roles import role_permission_table

pytestmark = pytest.mark.django_db


def test_every_role_group_exists_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "agent",
        "supervisor",
        "legal",
        "manager",
        "hr",
    }


def test_manager_may_edit_policies_and_agent_may_only_view_them(make_user):
    manager, agent = make_user("manager"), make_user("agent")
    assert manager.has_perm("policies.change_slatier")
    assert agent.has_perm("policies.view_slatier")
    assert not agent.has_perm("policies.change_slatier")


def test_every_permission_in_the_role_table_exists():
    from django.contrib.auth.models import Permission

    known = {
        f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")
    }
    missing = sorted({name for names in role_permission_table().values() for name in names} - known)
    assert missing == []


def test_user_sees_only_member_shops(make_user, shop, other_shop):
    agent = make_user("agent", shops=[shop])
    assert list(visible_shops(agent)) == [shop]


def test_home_page_lists_only_my_shops_in_chinese(client, make_user, shop, other_shop):
    agent = make_user("agent", shops=[shop])
    client.force_login(agent)
    page = client.get(reverse("home")).content.decode()
    assert "淘宝旗舰店" in page and "抖店旗舰店" not in page
    assert "我的店铺" in page


def test_home_page_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_permissions_are_read_in_one_query_and_equal_model_backends(make_user, django_assert_num_queries):
    """reviewdesk.backends: a user's own permissions and their groups' in one UNION, same set."""
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Permission

    from reviewdesk.models import User

    agent = make_user("agent")
    agent.user_permissions.add(Permission.objects.get(codename="change_slatier"))  # one of its own
    fresh = User.objects.get(pk=agent.pk)
    with django_assert_num_queries(1):
        assert fresh.has_perm("policies.change_slatier")  # its own
        assert fresh.has_perm("policies.view_slatier")  # its group's
        assert not fresh.has_perm("policies.delete_slatier")
    assert fresh.get_all_permissions() == ModelBackend().get_all_permissions(User.objects.get(pk=agent.pk))
    inactive = make_user("manager", is_active=False)
    assert not inactive.has_perm("policies.change_slatier")
    root = make_user(is_superuser=True)
    assert root.has_perm("policies.delete_slatier")


def test_roles_and_shops_are_read_together_in_one_query(
    make_user, shop, other_shop, django_assert_num_queries
):
    from reviewdesk.access import visible_shop_ids
    from reviewdesk.models import User
    from reviewdesk.roles import user_roles, works_cases

    hr = User.objects.get(pk=make_user("hr", shops=[shop, other_shop]).pk)
    with django_assert_num_queries(1):
        assert visible_shop_ids(hr) == {shop.pk, other_shop.pk}
        assert user_roles(hr) == {"hr"}
        assert not works_cases(hr)
    agent = User.objects.get(pk=make_user("agent", shops=[shop]).pk)
    with django_assert_num_queries(1):
        assert works_cases(agent) and visible_shop_ids(agent) == {shop.pk}
