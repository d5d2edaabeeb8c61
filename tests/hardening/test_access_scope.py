"""The one access path (reviewdesk.access): which shops, which rows, for a user and for a token.

Each model says how it reaches a shop (a ``shop`` field, a required parent that has one, or a declared
Scope); ``restrict`` narrows any queryset with it, ``shop_ids_for`` answers which shops. These tests
prove the rules on the models themselves; the admin and URL-wide proofs are in test_access_matrix.py.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from reviewdesk.access import (
    ALL_SHOPS,
    CHANGE,
    GLOBAL,
    VIEW,
    Scope,
    can_access,
    can_change_global,
    register_global_change_check,
    restrict,
    scope_for,
    shop_ids_for,
    visible_shop_ids,
)

pytestmark = pytest.mark.django_db


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


class FakeToken:
    """A token as the access path sees it (duck-typed): the shops it names for each action."""

    def __init__(self, view: set[int], change: set[int] | None = None):
        self.allowed = {VIEW: view, CHANGE: view if change is None else change}

    def shop_ids(self, action: str = VIEW) -> set[int]:
        return set(self.allowed[action])


def test_every_scope_is_derived_or_declared_for_the_shop_models():
    from cases.models import Case, CompensationOffer, Evidence, ReviewRevision
    from incentives.models import LedgerEntry, PayoutLine
    from insights.models import WeeklyReport
    from policies.models import CompensationOption, IssueType, ReplyTemplate
    from training.models import QaReview, Score, TrainingModule

    assert scope_for(Case).shop == "shop" and scope_for(Case).reader is not None  # HR reads no case
    assert scope_for(Evidence).shop == "case__shop" and scope_for(Evidence).reader is not None
    assert scope_for(CompensationOffer).shop == "case__shop"
    assert scope_for(ReviewRevision).shop == "review__shop"
    assert scope_for(QaReview).shop == "case__shop"
    assert (scope_for(ReplyTemplate).shop, scope_for(ReplyTemplate).null) == ("shop", GLOBAL)
    assert (scope_for(CompensationOption).shop, scope_for(CompensationOption).null) == ("rule__shop", GLOBAL)
    assert scope_for(Score).user == "agent"
    assert scope_for(LedgerEntry).rows is not None  # the entry's shop: its case's, else the agent's home shop
    assert (scope_for(PayoutLine).shop, scope_for(PayoutLine).null) == ("shop", ALL_SHOPS)
    assert scope_for(WeeklyReport).null == ALL_SHOPS
    assert scope_for(IssueType) is None and scope_for(TrainingModule) is None  # not about a shop


def test_a_member_of_shop_a_reaches_shop_a_rows_only(shop, other_shop, make_user):
    from cases.models import Case, Evidence
    from reviewdesk.models import Shop, User
    from tests.cases.workflow_factories import triaged_case

    case_a, case_b = triaged_case(shop), triaged_case(other_shop)
    agent_a = make_user("agent", shops=[shop])
    agent_b = make_user("agent", shops=[other_shop])
    root = make_user(is_superuser=True)

    assert shop_ids_for(agent_a) == {shop.pk} == visible_shop_ids(agent_a)
    assert _ids(restrict(Case.objects.all(), agent_a)) == {case_a.pk}
    assert _ids(restrict(Case.objects.all(), agent_a, CHANGE)) == {case_a.pk}
    assert _ids(restrict(Shop.objects.all(), agent_a)) == {shop.pk}
    assert _ids(restrict(User.objects.all(), agent_a)) == {agent_a.pk}  # shop A's people (and oneself)
    assert agent_b.pk not in _ids(restrict(User.objects.all(), agent_a))
    assert _ids(restrict(Case.objects.all(), root)) >= {case_a.pk, case_b.pk}
    assert list(restrict(Evidence.objects.all(), agent_b)) == []
    assert can_access(case_a, agent_a) and not can_access(case_b, agent_a)


def test_an_anonymous_user_reaches_nothing_and_hr_reaches_no_case(shop, make_user):
    from django.contrib.auth.models import AnonymousUser

    from cases.models import Case
    from reviewdesk.models import Shop
    from tests.cases.workflow_factories import triaged_case

    triaged_case(shop)
    hr = make_user("hr", shops=[shop])
    assert list(restrict(Case.objects.all(), AnonymousUser())) == []
    assert shop_ids_for(AnonymousUser()) == set()
    assert list(restrict(Case.objects.all(), hr)) == []
    assert _ids(restrict(Shop.objects.all(), hr)) == {shop.pk}  # a member of its shop for payouts


def test_a_token_narrows_its_users_shops_and_never_widens_them(shop, other_shop, make_user):
    from cases.models import Case
    from tests.cases.workflow_factories import triaged_case

    case_a, case_b = triaged_case(shop), triaged_case(other_shop)
    manager = make_user("manager", shops=[shop, other_shop])
    agent_a = make_user("agent", shops=[shop])
    root = make_user(is_superuser=True)

    only_b = FakeToken({other_shop.pk})
    assert shop_ids_for(manager, token=only_b) == {other_shop.pk}
    assert _ids(restrict(Case.objects.all(), manager, token=only_b)) == {case_b.pk}
    # A token naming a shop its user is not (or no longer) a member of reaches nothing there.
    assert _ids(restrict(Case.objects.all(), agent_a, token=FakeToken({shop.pk, other_shop.pk}))) == {
        case_a.pk
    }
    assert list(restrict(Case.objects.all(), agent_a, token=only_b)) == []
    # The token decides per action: read-only in shop A.
    read_only = FakeToken({shop.pk, other_shop.pk}, change=set())
    assert _ids(restrict(Case.objects.all(), manager, VIEW, token=read_only)) == {case_a.pk, case_b.pk}
    assert list(restrict(Case.objects.all(), manager, CHANGE, token=read_only)) == []
    # Even a superuser's token is bounded by what it names.
    assert _ids(restrict(Case.objects.filter(pk__in=[case_a.pk, case_b.pk]), root, token=only_b)) == {
        case_b.pk
    }


def test_a_real_api_token_narrows_to_its_active_shops(shop, other_shop, make_user):
    from cases.models import ApiToken, Case
    from tests.cases.workflow_factories import triaged_case

    case_a, _case_b = triaged_case(shop), triaged_case(other_shop)
    manager = make_user("manager", shops=[shop, other_shop])
    token = ApiToken.objects.create(name="a", user=manager, prefix="rd_x", key_hash="x" * 64)
    token.shops.set([shop])
    assert _ids(restrict(Case.objects.all(), manager, token=token)) == {case_a.pk}


def test_global_rows_are_seen_by_all_and_changed_by_the_permission_or_a_plugged_check(
    shop, other_shop, make_user
):
    import datetime as dt

    from django.contrib.auth.models import Permission

    from incentives.models import AwardRule

    def rule(code, shop=None):
        return AwardRule.objects.create(
            code=code,
            name=code,
            event="converted",
            amount=Decimal("1"),
            shop=shop,
            effective_from=dt.date(2026, 1, 1),
        )

    own, other, everyone = rule("am-own", shop), rule("am-other", other_shop), rule("am-all")
    manager = make_user("manager", shops=[shop])

    assert {own.pk, everyone.pk} <= _ids(restrict(AwardRule.objects.all(), manager, VIEW))
    assert other.pk not in _ids(restrict(AwardRule.objects.all(), manager, VIEW))
    assert not can_change_global(manager, AwardRule)
    assert _ids(
        restrict(AwardRule.objects.filter(pk__in=[own.pk, other.pk, everyone.pk]), manager, CHANGE)
    ) == {own.pk}
    assert not can_access(everyone, manager, CHANGE) and can_access(everyone, manager, VIEW)

    scope = scope_for(AwardRule)
    permission = Permission.objects.get(
        content_type__app_label=scope.global_perm.split(".")[0], codename=scope.global_perm.split(".")[1]
    )
    owner = make_user("manager", shops=[shop])
    owner.user_permissions.add(permission)
    from reviewdesk.models import User

    owner = User.objects.get(pk=owner.pk)  # permissions are cached per object
    assert can_change_global(owner, AwardRule)
    assert _ids(
        restrict(AwardRule.objects.filter(pk__in=[own.pk, other.pk, everyone.pk]), owner, CHANGE)
    ) == {own.pk, everyone.pk}


def test_a_plugged_in_check_decides_global_changes(shop, make_user, monkeypatch):
    from reviewdesk import access
    from training.models import ModuleRequirement

    manager = make_user("manager", shops=[shop])
    monkeypatch.setattr(access, "_global_change_checks", [])
    register_global_change_check(lambda user, model: model is ModuleRequirement or None)
    assert can_change_global(manager, ModuleRequirement)
    monkeypatch.setattr(access, "_global_change_checks", [lambda user, model: False])
    assert not can_change_global(manager, ModuleRequirement)


def test_an_all_shops_row_is_seen_only_by_who_sees_every_shop(shop, other_shop, make_user):
    from django.utils import timezone

    from insights.models import WeeklyReport

    now = timezone.now()
    all_shops = WeeklyReport.objects.create(
        week="2030-W01", shop=None, total_negative=0, summary={}, built_at=now
    )
    of_a = WeeklyReport.objects.create(week="2030-W01", shop=shop, total_negative=0, summary={}, built_at=now)
    one = make_user("manager", shops=[shop])
    both = make_user("manager", shops=[shop, other_shop])
    mine = WeeklyReport.objects.filter(pk__in=[all_shops.pk, of_a.pk])
    assert _ids(restrict(mine, one)) == {of_a.pk}
    assert _ids(restrict(mine, both)) == {of_a.pk, all_shops.pk}


def test_a_declared_scope_on_the_model_is_honoured(monkeypatch):
    from policies.models import IssueType

    monkeypatch.setattr(IssueType, "access_scope", Scope(shop="pk"), raising=False)
    from reviewdesk import access

    monkeypatch.setattr(access, "_scopes", {})
    assert scope_for(IssueType) == Scope(shop="pk")
    monkeypatch.undo()
    access._scopes.clear()
    assert scope_for(IssueType) is None


def test_restrict_costs_no_query_of_its_own(shop, make_user, django_assert_num_queries):
    """Cold: the shop rule is a subquery of the same statement; warm: the cached ids."""
    from cases.models import Case
    from reviewdesk.models import User
    from tests.cases.workflow_factories import triaged_case

    case = triaged_case(shop)
    supervisor = User.objects.get(pk=make_user("supervisor", shops=[shop]).pk)
    with django_assert_num_queries(2):  # the roles for works_cases (with the shops), then the cases
        assert _ids(restrict(Case.objects.all(), supervisor)) == {case.pk}
    with django_assert_num_queries(1):
        assert _ids(restrict(Case.objects.all(), supervisor)) == {case.pk}
    from reviewdesk.models import Shop

    cold = User.objects.get(pk=supervisor.pk)
    with django_assert_num_queries(1):
        assert _ids(restrict(Shop.objects.all(), cold)) == {shop.pk}


def test_an_unknown_action_is_a_programming_error(make_user):
    from cases.models import Case

    with pytest.raises(ValueError):
        restrict(Case.objects.all(), make_user("agent"), "delete")
    with pytest.raises(ValueError):
        shop_ids_for(make_user("agent"), "delete")


def test_case_for_finds_one_case_within_reach_and_nothing_else(shop, other_shop, make_user):
    from django.http import Http404

    from cases.queries import case_for, case_or_404
    from tests.cases.workflow_factories import triaged_case

    case_a, case_b = triaged_case(shop), triaged_case(other_shop)
    agent_a = make_user("agent", shops=[shop])
    assert case_for(agent_a, case_a.pk).pk == case_a.pk
    assert case_for(agent_a, str(case_a.pk), CHANGE).pk == case_a.pk
    for pk in (case_b.pk, "abc", None, 10**30, -1, 0):
        assert case_for(agent_a, pk) is None, pk
    with pytest.raises(Http404):
        case_or_404(agent_a, case_b.pk)
    assert (
        case_for(agent_a, case_a.pk, token=SimpleNamespace(shop_ids=lambda action: {other_shop.pk})) is None
    )


def test_no_private_cache_is_written_outside_the_access_module():
    """The shops of a user are cached by reviewdesk.access alone (a view once wrote the cache itself)."""
    from pathlib import Path

    from tests.project_apps import project_apps

    root = Path(__file__).resolve().parents[2]
    writers = [
        str(path.relative_to(root))
        for app in project_apps()
        for path in (root / app).rglob("*.py")
        if "_reviewdesk_shop_ids =" in path.read_text(encoding="utf-8") and path.name != "access.py"
    ]
    assert writers == []


def test_a_scope_without_a_shop_is_a_setting_for_every_shop(shop, make_user, monkeypatch):
    """A model whose every row applies to all shops: everyone sees it; changing takes the permission."""
    from reviewdesk import access
    from training.models import TrainingModule

    monkeypatch.setattr(
        access, "_declared", {TrainingModule: Scope(null=GLOBAL, global_perm="policies.no_such")}
    )
    monkeypatch.setattr(access, "_scopes", {})
    manager = make_user("manager", shops=[shop])
    every = set(TrainingModule.objects.values_list("pk", flat=True))
    assert every and _ids(restrict(TrainingModule.objects.all(), manager, VIEW)) == every
    assert list(restrict(TrainingModule.objects.all(), manager, CHANGE)) == []
    assert _ids(restrict(TrainingModule.objects.all(), make_user(is_superuser=True), CHANGE)) == every
