"""The queue's filter bar: the one queue FilterSet (``cases.queries.filters``), shared with the API.
Choices come from the view (the user's shops, the issue types and SLA tiers in use), so building the
bar costs no query of its own."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from cases.queries.filters import QueueFilterSet

ANY = [("", _("全部"))]


class QuickSelect(forms.Select):
    """A flat ``<select>`` written out in Python: Django's renders every option through its own
    template (an include per option), which made the filter bar a tenth of the queue page's time.
    Same markup, attributes (id, required, aria-invalid …) and selection; no option groups."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if str(key) in selected else ""}>{escape(label)}</option>'
            for key, label in self.choices
        )
        return mark_safe(
            f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>{options}</select>'
        )


class QueueFilterBar(QueueFilterSet):
    """The queue's filter bar: the API's filters (``cases.queries.filters.QueueFilterSet``) with the
    choices the view has read in one query and flat selects. Render ``.form``."""

    def __init__(self, data=None, *, user, shops=(), issue_types=(), tiers=(), clients=(), **kwargs):
        super().__init__(
            data,
            user=user,
            shops=[(shop.code, shop.name) for shop in shops],
            issue_types=list(issue_types),
            clients=list(clients),
            **kwargs,
        )
        for name in ("client", "shop", "platform", "issue_type", "state"):
            self.filters[name].extra["widget"] = QuickSelect
        self.filters["tier"].extra["widget"] = QuickSelect(choices=ANY + [(name, name) for name in tiers])
