from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reviewdesk.choices import Platform


class PolicyBase(models.Model):
    """A rule a manager edits, in one of three layers: global (neither ``shop`` nor ``client``), a
    client's (``client``: every shop of that 品牌方) or a shop's (``shop``). The most specific layer
    wins: a shop's row overrides its client's, a client's row overrides the global one (the loader's
    replace-or-add rules, ``policies.loader``). A row names at most one of shop and client
    (``one_layer``, a check constraint of every model).

    ``version`` counts saves: a case stores (id, version) of every rule that decided it, so an
    explanation can point at the exact edit (the history table keeps each version's content).
    """

    shop = models.ForeignKey(
        "reviewdesk.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("店铺"),
        help_text=_("留空表示全局默认；填写店铺表示仅对该店铺生效并覆盖全局规则。"),
    )
    client = models.ForeignKey(
        "reviewdesk.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("品牌方"),
        help_text=_("填写品牌方表示对该品牌方的所有店铺生效并覆盖全局规则；店铺规则再覆盖品牌方规则。"),
    )
    active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # Change bookkeeping only (like auto_now): every save is a new version of the rule.
        if self.pk is not None and not kwargs.get("force_insert"):
            self.version = (self.version or 0) + 1
        super().save(*args, **kwargs)

    @property
    def scope_label(self) -> str:
        if self.shop_id:
            return self.shop.code
        if self.client_id:
            return str(_("品牌方 %(code)s") % {"code": self.client.code})
        return str(_("全局"))


def one_layer(model_name: str) -> models.CheckConstraint:
    """A rule belongs to one layer: it names a shop or a client (or neither, global), never both."""
    return models.CheckConstraint(
        condition=models.Q(shop__isnull=True) | models.Q(client__isnull=True),
        name=f"{model_name}_one_layer",
        violation_error_message=_("一条规则只能属于一个层级：店铺和品牌方只能填写其一(都不填为全局)。"),
    )


# The conditions of a unique constraint per layer (the global one, a client's, a shop's).
GLOBAL_LAYER = models.Q(shop__isnull=True, client__isnull=True)
CLIENT_LAYER = models.Q(client__isnull=False)


# What the admin says when a row clashes with one of unique_per_layer's constraints (Django's own
# message would name the constraint: 约束 “uniq_contact_limit_global” 是无效的).
SAME_RULE_GLOBAL = _("全局已有一条相同的规则：请修改已有的那一条，或为品牌方、店铺另建一条来覆盖它。")
SAME_RULE_CLIENT = _("这个品牌方已有一条相同的规则：请修改已有的那一条。")
SAME_RULE_SHOP = _("这个店铺已有一条相同的规则：请修改已有的那一条。")


def unique_per_layer(key: list[str], name: str, **where) -> list[models.UniqueConstraint]:
    """One row per ``key`` in each layer: globally, per client and per shop (so a client's or a shop's
    row overrides the global one of the same key instead of clashing with it), counting only the rows that
    match ``where`` (e.g. ``active=True``), every row without it. Without a key, one such row per layer.
    ``name`` holds ``{layer}``: global, client, shop."""

    def only(layer: models.Q) -> models.Q:
        return layer & models.Q(**where) if where else layer

    return [
        models.UniqueConstraint(
            fields=key or ["shop"],
            condition=only(GLOBAL_LAYER),
            name=name.format(layer="global"),
            violation_error_message=SAME_RULE_GLOBAL,
        ),
        models.UniqueConstraint(
            fields=[*key, "client"],
            condition=only(CLIENT_LAYER),
            name=name.format(layer="client"),
            violation_error_message=SAME_RULE_CLIENT,
        ),
        models.UniqueConstraint(
            fields=[*key, "shop"],
            # A condition even where there is none to say: Django then answers a clash with the message
            # below (without one, with its generic "… with this Shop already exists").
            condition=models.Q(shop__isnull=False, **where),
            name=name.format(layer="shop"),
            violation_error_message=SAME_RULE_SHOP,
        ),
    ]


def validate_platform_list(value: str) -> None:
    """A comma-separated list of platform codes; empty means every platform."""
    known = set(Platform.values)
    unknown = [code for code in split_codes(value) if code not in known]
    if unknown:
        raise ValidationError(
            _("未知平台代码：%(codes)s。可用：%(known)s"),
            code="unknown_platform",
            params={"codes": ", ".join(unknown), "known": ", ".join(Platform.values)},
        )


def split_codes(value: str) -> list[str]:
    return [part.strip() for part in (value or "").replace("，", ",").split(",") if part.strip()]


def split_lines(value: str) -> list[str]:
    """Keywords and list fields: one item per line (commas and 、 separate too)."""
    items = []
    for line in (value or "").replace("、", "\n").replace("，", "\n").replace(",", "\n").splitlines():
        line = line.strip()
        if line:
            items.append(line)
    return items
