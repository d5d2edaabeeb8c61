"""``policy_pack export --out pack.xlsx`` / ``policy_pack import pack.xlsx [--dry-run]``; either with
``--no-progress`` (on a terminal a progress bar on stderr counts the sheets, ``reviewdesk.cli_progress``)
and ``--layer global|client:<code>|shop:<code>`` (one layer only: ``policies.layers``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from policies.layers import parse_layer
from policies.pack import export_pack, import_pack
from reviewdesk.cli_progress import add_progress_argument, progress_bar

LAYER_HELP = "只导出/导入一个层级：global、client:<品牌方代码> 或 shop:<店铺代码>(默认整个规则包)"


class Command(BaseCommand):
    help = (
        "导出或导入整个规则包(一个XLSX工作簿，每个规则模型一个工作表)。导入先整体校验，有任何错误则不写入。"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="导出规则包")
        export.add_argument("--out", required=True, help="输出文件路径，如 pack.xlsx")
        export.add_argument("--layer", default="", help=LAYER_HELP)
        add_progress_argument(export)
        imp = sub.add_parser("import", help="导入规则包")
        imp.add_argument("path", help="规则包文件(.xlsx)")
        imp.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入")
        imp.add_argument("--layer", default="", help=LAYER_HELP)
        add_progress_argument(imp)

    def handle(self, *args, action, **options):
        try:
            layer = parse_layer(options["layer"]) if options.get("layer") else None
        except ValueError as exc:
            raise CommandError(str(exc))
        if action == "export":
            out = Path(options["out"])
            try:
                with progress_bar(self, options, desc=_("导出"), unit=_("工作表")) as progress:
                    content = export_pack(progress=progress, layer=layer)
                out.write_bytes(content)
            except OSError as exc:
                raise CommandError(
                    _("无法写入文件 %(path)s：%(error)s") % {"path": out, "error": exc.strerror or exc}
                )
            self.stdout.write(self.style.SUCCESS(_("已导出规则包：%(path)s") % {"path": out}))
            return

        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("找不到文件：%(path)s") % {"path": path})
        with progress_bar(self, options, desc=_("导入"), unit=_("工作表")) as progress:
            report = import_pack(
                path.read_bytes(), dry_run=options["dry_run"], progress=progress, layer=layer
            )
        for sheet in report.sheets:
            self.stdout.write(
                _("%(sheet)s：%(rows)s行，新增%(new)s，更新%(updated)s，未变%(unchanged)s") % vars(sheet)
            )
        if report.errors:
            lines = "\n".join(f"  {error.describe()}" for error in report.errors)
            raise CommandError(
                _("规则包有%(count)s处错误，未写入任何内容：") % {"count": len(report.errors)} + "\n" + lines
            )
        summary = _("新增%(new)s，更新%(updated)s，未变%(unchanged)s") % report.totals
        if report.dry_run:
            self.stdout.write(self.style.SUCCESS(_("试导入通过(未写入)：%(summary)s") % {"summary": summary}))
        else:
            self.stdout.write(self.style.SUCCESS(_("已导入规则包：%(summary)s") % {"summary": summary}))
