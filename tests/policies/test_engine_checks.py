"""The checks that need the policy engine (``policies.validation``) run on every path that writes a
policy row, not only in the admin: a pack import and ``seed_policies`` refuse an active reply template
the compliance rules block, and a follow-up step whose template the rules block on the step's channel."""

import pytest
from django.core.exceptions import ValidationError

from policies import models as m
from policies.management.commands.seed_policies import _Seeder
from policies.pack import export_pack, import_pack
from policies.validation import check_engine_rules
from tests.policies.pack_support import build_pack, every_rule_snapshot, workbook_bytes, workbook_cells

pytestmark = pytest.mark.django_db

RULE = {"name": "请改好评", "platforms": "", "patterns": "更新评价", "reason": "禁止要求买家修改评价。"}
BLOCKED = "亲，方便的话能否帮忙更新评价？"


def test_a_pack_import_refuses_an_active_template_the_rules_block_and_writes_nothing(shop):
    build_pack(shop)
    m.ComplianceRule.objects.create(**RULE)
    cells = workbook_cells(export_pack())
    templates = cells["回复模板"]
    templates[1][templates[0].index("正文")] = BLOCKED
    before = every_rule_snapshot()

    report = import_pack(workbook_bytes(cells), dry_run=False)

    messages = [e.message for e in report.errors if e.sheet == "回复模板"]
    assert any("启用中的模板违反" in msg and "禁止要求买家修改评价。" in msg for msg in messages), messages
    assert not report.written and every_rule_snapshot() == before


def test_the_seeder_skips_an_active_template_the_rules_block():
    m.ComplianceRule.objects.create(**RULE)
    seeder = _Seeder()
    template = m.ReplyTemplate(name="改评", channel="private_message", stage="follow_up", body=BLOCKED)
    assert seeder.save(template) is False
    assert "启用中的模板违反" in seeder.skipped[0]
    assert not m.ReplyTemplate.objects.filter(name="改评").exists()
    template.active = False  # a draft may say it: only an active template is sent
    assert seeder.save(template) is True


def test_the_model_checks_what_it_says_and_the_engine_check_what_the_rules_allow():
    m.ComplianceRule.objects.create(**RULE)
    template = m.ReplyTemplate(name="改评", channel="private_message", stage="follow_up", body=BLOCKED)
    template.full_clean()  # the model alone knows no compliance rule
    with pytest.raises(ValidationError) as caught:
        check_engine_rules(template)
    assert "禁止要求买家修改评价。" in caught.value.message_dict["body"][0]
    check_engine_rules(template, failed={"body"})  # moot when the body already failed the model's checks
