"""The queue's filters, one django-filter ``FilterSet`` for the web queue's filter bar and the REST list
(``GET /api/v1/cases/``): the same parameters, the same validation and messages, the same rows.

Parameters (an empty value means "no filter"):

* ``q``: an order number, sub-order number or buyer nick, exact (a client viewer, who sees buyers' nicks
  masked, searches by order number only: a nick search would tell them whose nick it is);
* ``client``: a client's (品牌方) code, one of the clients of the requester's shops (within the token's);
  its shops' cases (those of the requester's shops: a member of one shop of a client sees that one);
* ``shop``: a shop's code, one of the requester's shops (and, with an API token, of the token's);
* ``platform``: a platform value;
* ``issue_type``: an active issue type's code;
* ``state``: an open case status (the queues hold open cases only);
* ``tier``: the SLA tier's name as decided at intake;
* ``assignee``: the assignee's user id (the team page links to a member's cases this way).

An invalid value is refused with a message in the user's language: the web shows it beside the filter
bar and leaves that filter out, the API answers 400 naming the field. The choices of ``client``,
``shop`` and ``issue_type`` are read only when a value has to be checked or the bar is rendered (the web passes the
lists it has already read), so a request without those filters costs no query for them.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cases.choices import OPEN_STATUSES, CaseStatus
from cases.models import Case
from reviewdesk.choices import Platform

MAX_ID = 2**63 - 1
ANY = _("全部")


class _Once:
    """Choices read from the database at most once per request, and only when needed."""

    def __init__(self, load):
        self.load, self.rows = load, None

    def __call__(self):
        if self.rows is None:
            self.rows = list(self.load())
        return self.rows


class IdFilter(django_filters.Filter):
    field_class = forms.IntegerField


def shop_choices(user, token=None) -> list[tuple[str, str]]:
    from reviewdesk.access import restrict
    from reviewdesk.models import Shop

    return list(restrict(Shop.objects.all(), user, token=token).order_by("code").values_list("code", "name"))


def client_choices(user, token=None) -> list[tuple[str, str]]:
    """The clients within reach (reviewdesk.access: a client of one of the user's and token's shops)."""
    from reviewdesk.access import restrict
    from reviewdesk.models import Client

    clients = restrict(Client.objects.all(), user, token=token).order_by("code")
    return list(clients.values_list("code", "name"))


def issue_type_choices() -> list[tuple[str, str]]:
    from policies.models import IssueType

    return list(IssueType.objects.filter(active=True).order_by("name").values_list("code", "name"))


class QueueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("订单号/买家昵称"), max_length=100, method="filter_q")
    client = django_filters.ChoiceFilter(
        field_name="shop__client__code",
        label=_("品牌方"),
        empty_label=ANY,
        error_messages={"invalid_choice": _("没有这个品牌方，或你不服务该品牌方。")},
    )
    shop = django_filters.ChoiceFilter(
        field_name="shop__code",
        label=_("店铺"),
        empty_label=ANY,
        error_messages={"invalid_choice": _("没有这个店铺，或你不属于该店铺。")},
    )
    platform = django_filters.ChoiceFilter(
        field_name="platform", label=_("平台"), choices=Platform.choices, empty_label=ANY
    )
    issue_type = django_filters.ChoiceFilter(
        field_name="issue_type__code",
        label=_("问题类型"),
        empty_label=ANY,
        error_messages={"invalid_choice": _("没有这个问题类型。")},
    )
    state = django_filters.ChoiceFilter(
        field_name="status",
        label=_("状态"),
        choices=[(status, CaseStatus(status).label) for status in OPEN_STATUSES],
        empty_label=ANY,
    )
    tier = django_filters.CharFilter(field_name="sla_tier_name", label=_("时效等级"), max_length=64)
    assignee = IdFilter(
        field_name="assignee_id", label=_("处理人"), min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, data=None, *, user, token=None, shops=None, issue_types=None, clients=None, **kwargs):
        """``shops`` / ``issue_types`` / ``clients``: (code, name) pairs the caller has read already;
        read lazily (the user's and token's shops and clients, the active issue types) when not given."""
        super().__init__(data or None, queryset=Case.objects.none(), **kwargs)
        self.user = user
        self.filters["client"].extra["choices"] = (
            list(clients) if clients is not None else _Once(lambda: client_choices(user, token))
        )
        self.filters["shop"].extra["choices"] = (
            list(shops) if shops is not None else _Once(lambda: shop_choices(user, token))
        )
        self.filters["issue_type"].extra["choices"] = (
            list(issue_types) if issue_types is not None else _Once(issue_type_choices)
        )

    def filter_q(self, cases: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        from reviewdesk.roles import hides_buyer_data

        term = value.strip()
        if not term:
            return cases
        match = Q(review__order_no=term) | Q(review__sub_order_no=term)
        if not hides_buyer_data(self.user):
            match |= Q(review__buyer_nick=term)
        return cases.filter(match)

    def narrow(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        """``cases`` narrowed by every valid filter (an invalid one is left out, and in ``errors``)."""
        if not self.is_bound:
            return cases
        self.errors  # noqa: B018  (validates the form: cleaned_data holds the valid filters only)
        return self.filter_queryset(cases)
