"""The cells of the policy pack's typed columns: what each accepts, and what a cell that does not parse
says — the value it holds and what the column expects (``policies.pack`` adds the sheet, the row and the
column). The library's own widgets raise ``decimal.InvalidOperation`` for a bad number, which is no
ValueError: it reached the report as an opaque row error ("[<class 'decimal.ConversionSyntax'>]")."""

import datetime as dt
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from import_export import widgets


class DayWidget(widgets.DateWidget):
    """Excel stores a date as a datetime at midnight; the rule wants the day."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        return super().clean(value, row, **kwargs)


class TypedCell:
    """A typed column's cell: a value that does not parse is a ValueError naming what was expected."""

    def expected(self) -> str:
        raise NotImplementedError

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise ValueError(
                _("“%(value)s”无法识别：这一列应填写%(expected)s。")
                % {"value": cell_text(value), "expected": self.expected()}
            ) from exc


class NumberCell(TypedCell, widgets.DecimalWidget):
    def expected(self) -> str:
        return _("数字(例如 12.5)")


class IntegerCell(TypedCell, widgets.IntegerWidget):
    def expected(self) -> str:
        return _("整数(例如 30)")

    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row, **kwargs)
        # The library truncates 2.5 to 2 without a word; a count, a day or a minute is whole.
        if number is not None and not isinstance(value, int) and not _is_whole(value):
            raise ValueError(
                _("“%(value)s”无法识别：这一列应填写%(expected)s。")
                % {"value": cell_text(value), "expected": self.expected()}
            )
        return number


class TimeCell(TypedCell, widgets.TimeWidget):
    def expected(self) -> str:
        return _("时间(例如 09:00)")


class DayCell(TypedCell, DayWidget):
    def expected(self) -> str:
        return _("日期(例如 2026-10-01)")


def _is_whole(value) -> bool:
    try:
        return Decimal(str(value).strip().replace(",", "")) % 1 == 0
    except ArithmeticError:
        return False


def cell_text(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 40 else text[:40] + "…"


class ChoiceCell(widgets.Widget):
    """A column of a choices field: the stored value or its label (in Chinese or English) is read as the
    value; anything else says which labels the column takes. Writing is the wrapped widget's."""

    def __init__(self, choices, wrapped: widgets.Widget, *, empty):
        super().__init__()
        self.choices = list(choices)
        self.wrapped = wrapped
        self.empty = empty
        self.lookup: dict[str, object] = {}
        for value, label in self.choices:
            self.lookup[str(value)] = value
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    self.lookup.setdefault(str(label), value)

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if text == "":
            return self.empty
        if isinstance(value, float) and value.is_integer():  # Excel's number cell 3.0 for the choice 3
            text = str(int(value))
        if text in self.lookup:
            return self.lookup[text]
        # Translators: the separator between the items of a list ("、" in Chinese, ", " in English).
        labels = _("、").join(str(label) for _value, label in self.choices)
        raise ValueError(
            _("“%(value)s”不是可选的值：这一列应填写以下之一：%(labels)s。")
            % {"value": cell_text(value), "labels": labels}
        )

    def render(self, value, obj=None, **kwargs):
        return self.wrapped.render(value, obj, **kwargs)


TYPED_CELLS = {
    widgets.DecimalWidget: NumberCell,
    widgets.IntegerWidget: IntegerCell,
    widgets.TimeWidget: TimeCell,
    DayWidget: DayCell,
}
