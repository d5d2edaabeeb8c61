"""``python manage.py compliance_check``: the compliance checker on texts, as the composer sees them.

    python manage.py compliance_check --platform taobao --channel private_message [--shop CODE] \\
        [--file replies.txt] [--json] ["好 评 返 现" ...]

Texts come from the arguments, or one per line of ``--file`` (``-`` reads standard input). ``--json``
prints one JSON object per text: ``{"text", "verdict": "block"|"warn"|"ok", "findings": [{"rule",
"category", "matched", "reason", "action", "start", "end"}]}``. Exit status: 0 when every text is ok,
1 when any text has a finding, 2 on bad usage (unknown platform, channel or shop, no text).
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from policies.choices import Channel
from policies.engine import check_compliance
from policies.loader import load_policy
from reviewdesk.choices import Platform
from reviewdesk.models import Shop


def verdict(report) -> str:
    if report.blocked:
        return "block"
    return "warn" if report.findings else "ok"


def report_dict(text: str, report) -> dict:
    findings = [
        {
            k: v
            for k, v in f.as_dict().items()
            if k in ("rule", "category", "matched", "reason", "action", "start", "end")
        }
        for f in report.findings
    ]
    if report.too_long:
        findings.append(
            {
                "rule": _("平台字数上限"),
                "category": "length",
                "matched": "",
                "reason": _("超过平台字数上限%(max)s字(当前%(length)s字)。")
                % {"max": report.max_length, "length": report.length},
                "action": "block",
                "start": report.max_length,
                "end": report.length,
            }
        )
    return {"text": text, "verdict": verdict(report), "findings": findings}


def usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = (
        "用合规规则检查话术：参数中的每段文字，或文件中的每一行。全部通过返回0，有问题返回1，用法错误返回2。"
    )

    def add_arguments(self, parser):
        parser.add_argument("texts", nargs="*", help="要检查的文字(每个参数一段)")
        parser.add_argument("--platform", help="平台：" + ", ".join(Platform.values))
        parser.add_argument("--channel", help="渠道：" + ", ".join(Channel.values))
        parser.add_argument("--shop", help="店铺代码(使用该店铺覆盖后的规则)")
        parser.add_argument("--file", help="每行一段文字的文件(UTF-8)；- 表示标准输入")
        parser.add_argument("--json", action="store_true", help="每段文字输出一行 JSON")

    def handle(self, *args, **options):
        platform = (options.get("platform") or "").strip()
        channel = (options.get("channel") or "").strip()
        if platform not in Platform.values:
            raise usage_error(
                _("未知平台“%(value)s”。可用：%(known)s")
                % {"value": platform, "known": ", ".join(Platform.values)}
            )
        if channel not in Channel.values:
            raise usage_error(
                _("未知渠道“%(value)s”。可用：%(known)s")
                % {"value": channel, "known": ", ".join(Channel.values)}
            )
        shop = None
        if options.get("shop"):
            shop = Shop.objects.filter(code=options["shop"]).first()
            if shop is None:
                raise usage_error(_("没有代码为“%(code)s”的店铺。") % {"code": options["shop"]})
            if shop.platform != platform:
                raise usage_error(
                    _("店铺“%(code)s”在%(shop_platform)s，不在%(platform)s。")
                    % {
                        "code": shop.code,
                        "shop_platform": Platform(shop.platform).label,
                        "platform": Platform(platform).label,
                    }
                )
        texts = list(options.get("texts") or [])
        if options.get("file"):
            texts.extend(self.read_lines(options["file"]))
        if not texts:
            raise usage_error(_("没有要检查的文字：请在参数中给出，或用 --file 指定每行一段的文件。"))
        policy = load_policy(shop=shop, platform=platform)
        flagged = False
        for text in texts:
            report = check_compliance(text, platform=platform, channel=channel, policy=policy)
            result = report_dict(text, report)
            flagged = flagged or result["verdict"] != "ok"
            if options.get("json"):
                self.stdout.write(json.dumps(result, ensure_ascii=False))
            else:
                self.write_readable(result)
        if flagged:
            sys.exit(1)

    def read_lines(self, path: str) -> list[str]:
        try:
            if path == "-":
                content = sys.stdin.read()
            else:
                with open(path, encoding="utf-8-sig") as handle:
                    content = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise usage_error(_("无法读取文件“%(path)s”：%(error)s") % {"path": path, "error": exc})
        return [line.strip() for line in content.splitlines() if line.strip()]

    def write_readable(self, result: dict) -> None:
        labels = {"block": _("拦截"), "warn": _("警告"), "ok": _("通过")}
        self.stdout.write(f"[{labels[result['verdict']]}] {result['text']}")
        for finding in result["findings"]:
            self.stdout.write(
                f"    {labels.get(finding['action'], finding['action'])} · {finding['rule']}"
                f"：“{finding['matched']}” — {finding['reason']}"
            )
