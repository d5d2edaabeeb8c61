"""More column names for the SKU in the shipped import mappings: a `SKU信息` column was dropped without a
word, so the weekly report's SKU Top-3 showed "默认规格". The names are added after the ones a mapping
has (alias order is preference order) and a manager's own additions are kept; reversing removes only
the names added here."""

from django.db import migrations

SKU_ALIASES = {
    "taobao-review-export": ["SKU信息", "商品规格", "规格", "规格信息", "SKU名称", "销售规格"],
    "douyin-review-export": ["SKU信息", "SKU", "销售属性", "商品属性", "规格信息", "SKU名称"],
    "generic": ["SKU信息", "SKU", "规格", "销售属性", "商品属性", "规格信息", "SKU名称"],
}


def _key(name: str) -> str:
    # how intake compares headers (cases.imports.cells.header_key), without importing app code
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


def add_aliases(apps, schema_editor):
    ImportMapping = apps.get_model("cases", "ImportMapping")
    for mapping in ImportMapping.objects.filter(code__in=SKU_ALIASES):
        columns = dict(mapping.columns or {})
        taken = {_key(alias) for field, names in columns.items() if field != "sku" for alias in names}
        names = list(columns.get("sku", []))
        have = {_key(name) for name in names}
        for alias in SKU_ALIASES[mapping.code]:
            if _key(alias) not in have and _key(alias) not in taken:
                names.append(alias)
                have.add(_key(alias))
        if names != columns.get("sku"):
            columns["sku"] = names
            mapping.columns = columns
            mapping.save(update_fields=["columns"])


def remove_aliases(apps, schema_editor):
    ImportMapping = apps.get_model("cases", "ImportMapping")
    for mapping in ImportMapping.objects.filter(code__in=SKU_ALIASES):
        columns = dict(mapping.columns or {})
        added = set(SKU_ALIASES[mapping.code])
        kept = [name for name in columns.get("sku", []) if name not in added]
        if kept != columns.get("sku", []):
            columns["sku"] = kept
            mapping.columns = columns
            mapping.save(update_fields=["columns"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_routing_override")]
    operations = [migrations.RunPython(add_aliases, remove_aliases)]
