"""The compensation matrix as a grid: issue type (rows) × order-amount band (rows within) × customer tier
(columns), each cell the rules of one layer with their options' amount, cost cap and approval role, edited
in place.

The grid is a view of the compensation rule admin (``CompensationGridMixin``, at ``…/compensationrule/
grid/``) and writes nothing any other path would not: the layer is one the user may see (``policies.
layers.view_refusal``) and, to save, change (``change_refusal``); every option is checked by
``policies.scope.write_refusal`` and validated by its model (a ``ModelForm``: field validators and
``CompensationOption.clean``); the rule of every changed option is saved once more so that its version
goes up and simple_history records who changed it (the history of the rule's page). A refusal or an error
anywhere saves nothing; a rule changed since the page was shown (its version) is refused too."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from policies.forms import layer_choices
from policies.layers import GLOBAL, Layer, change_refusal, parse_layer, view_refusal
from policies.models import CompensationOption, CompensationRule
from policies.scope import write_refusal
from reviewdesk.access import CHANGE, restrict

EDITED_FIELDS = ["value", "extra_coupon", "cost_cap", "approval_role", "always_requires_approval"]
OPTION_PREFIX = re.compile(r"^o(\d{1,18})-")
MAX_RULES = 500  # a layer's compensation rules; a pack has tens


class OptionCellForm(forms.ModelForm):
    """One option's figures in a grid cell: the model's own fields, validators and ``clean``."""

    class Meta:
        model = CompensationOption
        fields = EDITED_FIELDS
        widgets = {
            "value": forms.NumberInput(attrs={"step": "0.01", "min": "0", "class": "grid-num"}),
            "extra_coupon": forms.NumberInput(attrs={"step": "0.01", "min": "0", "class": "grid-num"}),
            "cost_cap": forms.NumberInput(attrs={"step": "0.01", "min": "0", "class": "grid-num"}),
        }


@dataclass
class Cell:
    rules: list = field(default_factory=list)  # (rule, [(option, form)])


def _band_key(rule) -> tuple:
    return (
        rule.amount_above is not None,
        rule.amount_above or 0,
        rule.amount_up_to is None,
        rule.amount_up_to or 0,
    )


def _axis_label_issue(issue_type) -> str:
    return issue_type.name if issue_type is not None else _("任意问题类型")


def _axis_label_tier(tier) -> str:
    return tier.name if tier is not None else _("任意分层")


def build_grid(rules: list, forms_by_option: dict) -> dict:
    """The grid's rows and columns from the layer's rules (each with its options prefetched)."""
    issue_types = {r.issue_type_id: r.issue_type for r in rules}
    tiers = {r.customer_tier_id: r.customer_tier for r in rules}
    issue_order = sorted(
        issue_types, key=lambda k: (k is None, getattr(issue_types[k], "sort_order", 0), k or 0)
    )
    tier_order = sorted(tiers, key=lambda k: (k is None, getattr(tiers[k], "priority", 0), k or 0))
    cells: dict[tuple, Cell] = defaultdict(Cell)
    bands_of: dict = defaultdict(dict)
    for rule in rules:
        key = _band_key(rule)
        bands_of[rule.issue_type_id][key] = rule.band_label
        options = [(option, forms_by_option[option.pk]) for option in rule.options.all()]
        cells[(rule.issue_type_id, key, rule.customer_tier_id)].rules.append((rule, options))
    rows = []
    for issue_id in issue_order:
        bands = sorted(bands_of[issue_id].items())
        for index, (key, label) in enumerate(bands):
            rows.append(
                {
                    "issue": _axis_label_issue(issue_types[issue_id]),
                    "first": index == 0,
                    "span": len(bands),
                    "band": label,
                    "cells": [cells.get((issue_id, key, tier_id), Cell()).rules for tier_id in tier_order],
                }
            )
    return {"tiers": [_axis_label_tier(tiers[k]) for k in tier_order], "rows": rows}


class CompensationGridMixin:
    """Adds the grid to the compensation rule admin (``admin:policies_compensationrule_grid``)."""

    def get_urls(self):
        grid = path(
            "grid/",
            self.admin_site.admin_view(self.grid_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_grid",
        )
        return [grid, *super().get_urls()]

    # --- the layer ---------------------------------------------------------------------------------
    def _grid_layer(self, request, value: str) -> tuple[Layer | None, str | None]:
        try:
            layer = parse_layer(value or GLOBAL)
        except ValueError as exc:
            return None, str(exc)
        return layer, view_refusal(request.user, layer)

    def _grid_rules(self, request, layer: Layer) -> list:
        rules = CompensationRule.objects.filter(layer.rows(CompensationRule))
        return list(
            restrict(rules, request.user)
            .select_related("issue_type", "customer_tier", "shop", "client")
            .prefetch_related("options")
            .order_by("priority", "pk")[:MAX_RULES]
        )

    # --- the view ----------------------------------------------------------------------------------
    def grid_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        layer, refusal = self._grid_layer(request, source.get("layer", ""))
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_grid")
        if layer is None or refusal:
            messages.error(request, refusal or _("所选层级无效。"))
            if request.method == "POST" or source.get("layer"):
                return HttpResponseRedirect(url)
            layer = Layer(GLOBAL)
        editable = self.has_change_permission(request) and change_refusal(request.user, layer) is None
        rules = self._grid_rules(request, layer)
        if request.method == "POST":
            if not editable:
                messages.error(
                    request, change_refusal(request.user, layer) or _("你没有修改补偿规则的权限。")
                )
                return HttpResponseRedirect(f"{url}?{urlencode({'layer': layer.slug})}")
            saved, forms_by_option = self._grid_save(request, rules)
            if saved is not None:
                return HttpResponseRedirect(f"{url}?{urlencode({'layer': layer.slug})}")
        else:
            forms_by_option = {
                option.pk: OptionCellForm(instance=option, prefix=f"o{option.pk}")
                for rule in rules
                for option in rule.options.all()
            }
        choices = [(value, label) for value, label in layer_choices(request.user, "view") if value]
        context = {
            **self.admin_site.each_context(request),
            "title": _("补偿矩阵"),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "layer": layer,
            "layer_value": layer.slug,
            "layer_choices": choices,
            "editable": editable,
            "grid": build_grid(rules, forms_by_option),
            "rule_count": len(rules),
        }
        return TemplateResponse(request, "admin/policies/compensation_grid.html", context)

    def _grid_save(self, request, rules) -> tuple[int | None, dict]:
        """Save the posted options of ``rules``: (the number saved, or None when nothing was written —
        the messages say why; each option's form, bound when it was posted, to show again)."""
        options = {option.pk: (rule, option) for rule in rules for option in rule.options.all()}
        cells = {pk: OptionCellForm(instance=option, prefix=f"o{pk}") for pk, (_r, option) in options.items()}
        posted = {int(m.group(1)) for key in request.POST if (m := OPTION_PREFIX.match(key))}
        if posted - set(options):
            messages.error(request, _("提交的方案不属于这一层级或你无权修改，没有保存任何修改。"))
            return None, cells
        changeable = set(
            restrict(
                CompensationRule.objects.filter(pk__in={r.pk for r in rules}), request.user, CHANGE
            ).values_list("pk", flat=True)
        )
        forms_ = [
            OptionCellForm(request.POST, instance=options[pk][1], prefix=f"o{pk}") for pk in sorted(posted)
        ]
        cells.update({form.instance.pk: form for form in forms_})
        problems = []
        for form in forms_:
            rule = options[form.instance.pk][0]
            refusal = write_refusal(request.user, form.instance) if rule.pk in changeable else (None, "")
            if rule.pk not in changeable or refusal is not None:
                problems.append(
                    _("%(rule)s · %(option)s：%(why)s")
                    % {"rule": rule.name, "option": form.instance.name, "why": refusal[1] or _("无权修改。")}
                )
                continue
            if not form.is_valid():
                for name, errors in form.errors.items():
                    label = form.fields[name].label if name in form.fields else ""
                    problems.append(
                        _("%(rule)s · %(option)s · %(field)s：%(why)s")
                        % {
                            "rule": rule.name,
                            "option": form.instance.name,
                            "field": label,
                            "why": "；".join(errors),
                        }
                    )
        versions = {}
        for rule in rules:
            raw = request.POST.get(f"r{rule.pk}-version", "")
            versions[rule.pk] = int(raw) if raw.isdigit() and len(raw) < 10 else None
        if problems:
            for problem in problems:
                messages.error(request, problem)
            messages.error(request, _("有错误，没有保存任何修改。"))
            return None, cells
        changed = [form for form in forms_ if form.has_changed()]
        if not changed:
            messages.info(request, _("没有修改。"))
            return 0, cells
        touched = {options[form.instance.pk][0].pk for form in changed}
        with transaction.atomic():
            current = dict(
                CompensationRule.objects.select_for_update()
                .filter(pk__in=touched)
                .values_list("pk", "version")
            )
            stale = [r.name for r in rules if r.pk in touched and current.get(r.pk) != versions.get(r.pk)]
            if stale:
                transaction.set_rollback(True)
                messages.error(
                    request,
                    _("规则“%(names)s”刚被其他人修改，没有保存任何修改。请刷新后再改。")
                    % {"names": "、".join(stale)},
                )
                return None, cells
            for form in changed:
                form.save()
            for rule in rules:
                if rule.pk in touched:
                    rule._change_reason = str(_("补偿矩阵表格修改"))
                    rule.save()
                    self.log_change(request, rule, [{"changed": {"fields": [str(_("补偿矩阵表格修改"))]}}])
        messages.success(
            request,
            _("已保存 %(options)s 个方案(%(rules)s 条规则)。")
            % {"options": len(changed), "rules": len(touched)},
        )
        return len(changed), cells
