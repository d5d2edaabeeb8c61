"""django-import-export resources, one per policy model.

Rows are identified by natural keys, never by database ids, so a file exported from one installation
imports into another: shops and clients by code, issue types by code, calendars by name, rules by name
within their layer (店铺 column: a shop's override; 品牌方 column: a client's layer; both empty = global).
An import into a chosen layer (``policies.pack``: ``layer=``) puts a row whose layer columns are empty
into that layer and refuses a row of any other layer. Every imported row runs the model's ``full_clean()`` and the
engine's checks (``policies.validation``) — the same validation as the admin — and a file is imported in
one transaction.

Column headers are the models' Chinese field names, whatever the language of the request, so a
workbook exported in English mode still imports. Cells say things in words too: a choice is written as
its Chinese label ("客服", not "agent"), an issue type and a customer tier by their names, a list of
platforms or channels by their labels; an import reads the label (Chinese or English) or the code alike.
"""

from django.core.exceptions import NON_FIELD_ERRORS, MultipleObjectsReturned
from django.db.models import CharField, DateField, DateTimeField, F, TextField
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import fields, widgets
from import_export.instance_loaders import ModelInstanceLoader

from policies import models as m
from policies.choices import Channel, TemplateCondition
from policies.compliance.rules import platform_actions_codes, platform_actions_in_words
from policies.layers import layer_refusal
from policies.models.base import split_codes
from policies.pack_cells import TYPED_CELLS, ChoiceCell, DayWidget, cell_text
from policies.scope import write_refusal
from policies.validation import check_engine_rules
from reviewdesk.choices import Platform
from reviewdesk.models import Client, Shop
from reviewdesk.spreadsheets import SafeExportResource, read_cell

SHOP_COLUMN = "店铺"
CLIENT_COLUMN = "品牌方"


class NaturalKeyLoader(ModelInstanceLoader):
    """A row whose key names something that does not exist yet is a new row; the field error is then
    reported by ``import_instance`` against its column instead of as an opaque row error."""

    def get_instance(self, row):
        try:
            return super().get_instance(row)
        except ValueError:
            return None
        except MultipleObjectsReturned:
            raise ValueError(_("按这一行的标识列找到了多条现有规则，无法确定要更新哪一条。"))


class CodeWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related row's code or name, with a Chinese error when unknown."""

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        value = str(value).strip()
        try:
            return self.get_instance_by_lookup_fields(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                _("找不到%(model)s“%(value)s”。") % {"model": self.model._meta.verbose_name, "value": value}
            )
        except self.model.MultipleObjectsReturned:
            raise ValueError(
                _("%(model)s“%(value)s”不唯一。") % {"model": self.model._meta.verbose_name, "value": value}
            )


class ScopedNameWidget(CodeWidget):
    """A rule named within a layer: ``shop_column`` of the same row holds the shop code, ``client_column``
    the client code (both empty = global). ``fallback_to_global``: a name the row's layer lacks is
    looked up in the less specific layers (the client's, then the global one)."""

    def __init__(
        self,
        model,
        field="name",
        shop_column=SHOP_COLUMN,
        fallback_to_global=False,
        client_column=CLIENT_COLUMN,
        **kwargs,
    ):
        self.shop_column = shop_column
        self.client_column = client_column
        self.fallback_to_global = fallback_to_global
        super().__init__(model, field, **kwargs)

    def get_instance_by_lookup_fields(self, value, row, **kwargs):
        shop_code = str((row or {}).get(self.shop_column) or "").strip()
        client_code = str((row or {}).get(self.client_column) or "").strip()
        queryset = self.model.objects.filter(**{self.field: value})
        lookups = []
        if shop_code:
            lookups.append({"shop__code": shop_code})
        if client_code:
            lookups.append({"client__code": client_code, "shop__isnull": True})
        if not lookups or self.fallback_to_global:
            lookups.append({"shop__isnull": True, "client__isnull": True})
        if not self.fallback_to_global:
            lookups = lookups[:1]
        for lookup in lookups[:-1]:
            try:
                return queryset.get(**lookup)
            except self.model.DoesNotExist:
                continue
        return queryset.get(**lookups[-1])


class NamedCodeWidget(CodeWidget):
    """An issue type: exported as its name, imported from its code or its (unique) name."""

    def get_instance_by_lookup_fields(self, value, row, **kwargs):
        try:
            return super().get_instance_by_lookup_fields(value, row, **kwargs)
        except self.model.DoesNotExist:
            return self.model.objects.get(name=value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.name


class NamedTierWidget(ScopedNameWidget):
    """A customer tier: exported as its name, imported from its code or its name (in the row's scope)."""

    def get_instance_by_lookup_fields(self, value, row, **kwargs):
        try:
            return super().get_instance_by_lookup_fields(value, row, **kwargs)
        except self.model.DoesNotExist:
            self.field = "name"
            try:
                return super().get_instance_by_lookup_fields(value, row, **kwargs)
            finally:
                self.field = "code"

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.name


def _zh_label(choices, value) -> str:
    with translation.override("zh-hans"):
        return str(dict(choices).get(value, value))


class LabelledChoiceCell(ChoiceCell):
    """A choices column written as the choice's Chinese label (read back by ``ChoiceCell``)."""

    def render(self, value, obj=None, **kwargs):
        return "" if value in (None, "") else _zh_label(self.choices, value)


class ChoiceListCell(ChoiceCell):
    """A comma-separated list of codes (platforms, channels): written as labels joined by 、, read back
    from labels or codes separated by 、 or commas."""

    def clean(self, value, row=None, **kwargs):
        parts = [p for p in str(value or "").replace("、", ",").replace("，", ",").split(",") if p.strip()]
        return ",".join(str(super(ChoiceListCell, self).clean(p, row, **kwargs)) for p in parts)

    def render(self, value, obj=None, **kwargs):
        return "、".join(_zh_label(self.choices, code) for code in split_codes(value))


class PlatformActionsCell(widgets.CharWidget):
    """A compliance rule's per-platform actions, written in words ("淘宝:拦截、京东:警告") and read back
    from words or codes (stored as codes); a bad item is refused by ``parse_platform_actions``, by name."""

    def __init__(self):
        super().__init__(allow_blank=True)

    def clean(self, value, row=None, **kwargs):
        return platform_actions_codes(str(value or ""))

    def render(self, value, obj=None, **kwargs):
        with translation.override("zh-hans"):
            return platform_actions_in_words(value or "")


# Text fields that hold a comma-separated list of codes.
LIST_CHOICES = {
    "platforms": Platform.choices,
    "channels": Channel.choices,
    "conditions": TemplateCondition.choices,
}


class YesNoWidget(widgets.BooleanWidget):
    TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "是", "Y", "y", "yes"]
    FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "否", "N", "n", "no"]

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        if value in self.NULL_VALUES:
            return None
        if value in self.TRUE_VALUES:
            return True
        if value in self.FALSE_VALUES:
            return False
        raise ValueError(
            _("“%(value)s”无法识别：这一列应填写%(expected)s。")
            % {"value": cell_text(value), "expected": _("是或否(也可填 1/0)")}
        )


def shop_field(column=SHOP_COLUMN, attribute="shop"):
    return fields.Field(attribute=attribute, column_name=column, widget=CodeWidget(Shop, "code"))


def client_field(column=CLIENT_COLUMN, attribute="client"):
    return fields.Field(attribute=attribute, column_name=column, widget=CodeWidget(Client, "code"))


def readonly_field(attribute, column):
    return fields.Field(attribute=attribute, column_name=column, readonly=True)


class PolicyResource(SafeExportResource):
    """Common options: natural keys, model validation on import, one transaction, Chinese headers;
    exported text passes the formula guard (``SafeExportResource``) and an imported cell loses the
    guard's apostrophe again (``read_cell``), so export → import gives back the same rules."""

    class Meta:
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        instance_loader_class = NaturalKeyLoader
        exclude = ["id", "version", "updated_at"]

    # The export's row order; a sheet is read back in this order, so a row only refers to rows before it.
    ordering: tuple[str, ...] = ()

    def get_queryset(self):
        return self._meta.model.objects.order_by(*self.ordering)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        model_fields = {f.name: f for f in self._meta.model._meta.get_fields() if hasattr(f, "verbose_name")}
        with translation.override("zh-hans"):
            for name, field in self.fields.items():
                if field.column_name == name and name in model_fields:
                    field.column_name = str(model_fields[name].verbose_name)
                model_field = model_fields.get(field.attribute)
                if isinstance(model_field, CharField | TextField) and type(field.widget) in (
                    widgets.Widget,
                    widgets.CharWidget,
                ):
                    # An empty cell is an empty text, not NULL.
                    field.widget = widgets.CharWidget(allow_blank=not model_field.null)
                if isinstance(model_field, DateField) and not isinstance(model_field, DateTimeField):
                    field.widget = DayWidget()
                if isinstance(field.widget, widgets.BooleanWidget) and not isinstance(
                    field.widget, YesNoWidget
                ):
                    field.widget = YesNoWidget()
                if type(field.widget) in TYPED_CELLS:
                    field.widget = TYPED_CELLS[type(field.widget)]()
                if model_field is not None and getattr(model_field, "choices", None):
                    empty = None if model_field.null or not isinstance(model_field, CharField) else ""
                    field.widget = LabelledChoiceCell(model_field.choices, field.widget, empty=empty)
                list_choices = LIST_CHOICES.get(getattr(model_field, "name", None))
                if isinstance(model_field, CharField) and list_choices is not None:
                    field.widget = ChoiceListCell(list_choices, field.widget, empty="")

    # The (shop, client) columns that place a row in its layer (a child row: its parent's columns).
    layer_columns: tuple[tuple[str, str], ...] = ((SHOP_COLUMN, CLIENT_COLUMN),)

    def before_import(self, dataset, **kwargs):
        # Who imports: each row is checked against their reach (``validate_instance``). No user is an
        # operator's command (``policy_pack import``), which may write anything. ``layer``
        # (``policies.layers.Layer``): the one layer this import writes into, None for the whole pack.
        self._importer = kwargs.get("user")
        self._layer = kwargs.get("layer")
        # A file written before the client layer has no 品牌方 column: its rows are global or a shop's.
        columns = {f.column_name for f in self.fields.values()}
        for shop_column, client_column in self.layer_columns:
            if shop_column in columns and client_column in columns:
                for column in (shop_column, client_column):
                    if column not in (dataset.headers or []):
                        dataset.append_col([None] * len(dataset), header=column)
        super().before_import(dataset, **kwargs)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """A row the importer may not write (a global rule without the policy owner's permission,
        another shop's rule, a global-only model) is an invalid row: nothing of the file is written.
        Asked only for rows that would be saved: an unchanged global row of a re-imported export passes."""
        errors = dict(import_validation_errors or {})
        refusal = write_refusal(getattr(self, "_importer", None), instance)
        if refusal is not None:
            field, message = refusal
            errors.setdefault(field or NON_FIELD_ERRORS, []).append(message)
        outside = layer_refusal(getattr(self, "_layer", None), instance)
        if outside is not None:
            errors.setdefault(NON_FIELD_ERRORS, []).append(outside)
        super().validate_instance(instance, errors, validate_unique)
        # What needs the engine (an active template's compliance), once the row is otherwise valid.
        check_engine_rules(instance)

    def before_import_row(self, row, **kwargs):
        for column in list(row.keys()):
            row[column] = read_cell(row[column])
        layer = getattr(self, "_layer", None)
        for shop_column, client_column in self.layer_columns if layer is not None else ():
            if (
                shop_column in row
                and client_column in row
                and not row[shop_column]
                and not row[client_column]
            ):
                row[shop_column] = layer.shop.code if layer.shop is not None else None
                row[client_column] = layer.client.code if layer.client is not None else None
        super().before_import_row(row, **kwargs)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # A new row whose values all equal the model defaults is still new (import-export would skip it).
        if original is None or original.pk is None:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def before_save_instance(self, instance, row, **kwargs):
        # The history row of an imported edit names who imported it (the admin passes user=...).
        user = kwargs.get("user")
        if user is not None and getattr(user, "is_authenticated", False):
            instance._history_user = user

    @classmethod
    def sheet_title(cls) -> str:
        with translation.override("zh-hans"):
            return str(cls._meta.model._meta.verbose_name_plural)

    def column_for(self, attribute: str) -> str:
        """The header of the column that carries a model attribute (for error reports)."""
        for name, field in self.fields.items():
            if name == attribute or field.attribute == attribute:
                return field.column_name
        return attribute


class LayeredResource(PolicyResource):
    """A layered rule: its shop and 品牌方 columns place it in a layer (empty both: the global one)."""

    shop = shop_field()
    client = client_field()


class NamedRuleResource(LayeredResource):
    """A layered rule known by its name: in its layer, its name finds it again on import."""

    ordering = ("shop__code", "name")

    class Meta(PolicyResource.Meta):
        import_id_fields = ["name", "shop", "client"]


class IssueTypeResource(PolicyResource):
    ordering = ("sort_order", "code")

    class Meta(PolicyResource.Meta):
        model = m.IssueType
        import_id_fields = ["code"]


class CustomerTierResource(LayeredResource):
    ordering = ("shop__code", "priority", "code")

    class Meta(PolicyResource.Meta):
        model = m.CustomerTier
        import_id_fields = ["code", "shop", "client"]


class BusinessCalendarResource(LayeredResource):
    ordering = ("name",)

    class Meta(PolicyResource.Meta):
        model = m.BusinessCalendar
        import_id_fields = ["name"]


def calendar_field():
    return fields.Field(
        attribute="calendar", column_name="日历", widget=CodeWidget(m.BusinessCalendar, "name")
    )


class OpeningHoursResource(PolicyResource):
    calendar = calendar_field()

    ordering = ("calendar__name", "weekday", "opens")

    class Meta(PolicyResource.Meta):
        model = m.OpeningHours
        exclude = ["id"]
        import_id_fields = ["calendar", "weekday", "opens"]


class CalendarExceptionResource(PolicyResource):
    calendar = calendar_field()

    ordering = ("calendar__name", "date")

    class Meta(PolicyResource.Meta):
        model = m.CalendarException
        exclude = ["id"]
        import_id_fields = ["calendar", "date"]


class PlatformRuleResource(LayeredResource):
    ordering = ("platform", "shop__code")

    class Meta(PolicyResource.Meta):
        model = m.PlatformRule
        import_id_fields = ["platform", "shop", "client"]


def issue_type_field():
    return fields.Field(
        attribute="issue_type", column_name="问题类型", widget=NamedCodeWidget(m.IssueType, "code")
    )


class ClassificationRuleResource(NamedRuleResource):
    issue_type = fields.Field(
        attribute="issue_type", column_name="归入问题类型", widget=NamedCodeWidget(m.IssueType, "code")
    )

    ordering = ("shop__code", "priority", "name")

    class Meta(NamedRuleResource.Meta):
        model = m.ClassificationRule


class MaliciousSignalResource(NamedRuleResource):
    ordering = ("shop__code", "kind", "name")

    class Meta(NamedRuleResource.Meta):
        model = m.MaliciousSignal


class SlaTierResource(LayeredResource):
    issue_type = issue_type_field()
    calendar = fields.Field(
        attribute="calendar", column_name="营业日历", widget=CodeWidget(m.BusinessCalendar, "name")
    )

    ordering = ("shop__code", "issue_type__code", "name")

    class Meta(PolicyResource.Meta):
        model = m.SlaTier
        import_id_fields = ["issue_type", "shop", "client"]


class CompensationRuleResource(NamedRuleResource):
    issue_type = issue_type_field()
    customer_tier = fields.Field(
        attribute="customer_tier",
        column_name="客户分层",
        widget=NamedTierWidget(m.CustomerTier, "code", fallback_to_global=True),
    )

    class Meta(NamedRuleResource.Meta):
        model = m.CompensationRule

    def get_queryset(self):
        # Bands of a group in ascending order, so that an import never passes through a gap.
        return m.CompensationRule.objects.order_by(
            F("shop__code").asc(nulls_first=True),
            F("issue_type__code").asc(nulls_first=True),
            F("customer_tier__code").asc(nulls_first=True),
            F("amount_above").asc(nulls_first=True),
            "name",
        ).select_related("shop", "issue_type", "customer_tier")


class CompensationOptionResource(PolicyResource):
    rule = fields.Field(
        attribute="rule",
        column_name="补偿规则",
        widget=ScopedNameWidget(m.CompensationRule, shop_column="规则店铺", client_column="规则品牌方"),
    )
    rule_shop = readonly_field("rule__shop__code", "规则店铺")
    rule_client = readonly_field("rule__client__code", "规则品牌方")
    layer_columns = (("规则店铺", "规则品牌方"),)

    ordering = ("rule__shop__code", "rule__name", "sort_order", "name")

    class Meta(PolicyResource.Meta):
        model = m.CompensationOption
        exclude = ["id"]
        import_id_fields = ["rule", "name"]


class ComplianceRuleResource(NamedRuleResource):
    platform_actions = fields.Field(attribute="platform_actions", widget=PlatformActionsCell())

    class Meta(NamedRuleResource.Meta):
        model = m.ComplianceRule


class ReplyTemplateResource(NamedRuleResource):
    issue_type = issue_type_field()

    class Meta(NamedRuleResource.Meta):
        model = m.ReplyTemplate


class FollowUpPlanResource(NamedRuleResource):
    class Meta(NamedRuleResource.Meta):
        model = m.FollowUpPlan


class FollowUpStepResource(PolicyResource):
    plan = fields.Field(
        attribute="plan",
        column_name="回访计划",
        widget=ScopedNameWidget(m.FollowUpPlan, shop_column="计划店铺", client_column="计划品牌方"),
    )
    plan_shop = readonly_field("plan__shop__code", "计划店铺")
    plan_client = readonly_field("plan__client__code", "计划品牌方")
    layer_columns = (("计划店铺", "计划品牌方"),)
    template = fields.Field(
        attribute="template",
        column_name="模板",
        widget=ScopedNameWidget(
            m.ReplyTemplate, shop_column="计划店铺", client_column="计划品牌方", fallback_to_global=True
        ),
    )

    ordering = ("plan__shop__code", "plan__name", "offset_minutes", "name")

    class Meta(PolicyResource.Meta):
        model = m.FollowUpStep
        exclude = ["id"]
        import_id_fields = ["plan", "offset_minutes", "name"]


class AppealChecklistResource(LayeredResource):
    ordering = ("platform", "reason", "shop__code")

    class Meta(PolicyResource.Meta):
        model = m.AppealChecklist
        import_id_fields = ["platform", "reason", "shop", "client"]


class ContactLimitResource(LayeredResource):
    ordering = ("platform", "shop__code")

    class Meta(PolicyResource.Meta):
        model = m.ContactLimit
        import_id_fields = ["platform", "shop", "client"]


# In dependency order: a sheet only refers to sheets before it (policies.pack adds the sheets that live in
# their own modules, such as the peak seasons'). Compliance rules come before the
# templates because an active template is checked against them when it is saved.
PACK_RESOURCES: list[type[PolicyResource]] = [
    IssueTypeResource,
    CustomerTierResource,
    BusinessCalendarResource,
    OpeningHoursResource,
    CalendarExceptionResource,
    PlatformRuleResource,
    ClassificationRuleResource,
    MaliciousSignalResource,
    SlaTierResource,
    CompensationRuleResource,
    CompensationOptionResource,
    ComplianceRuleResource,
    ReplyTemplateResource,
    FollowUpPlanResource,
    FollowUpStepResource,
    AppealChecklistResource,
    ContactLimitResource,
]
