"""``python manage.py import_reviews PATH --shop CODE [--dry-run] [--json] [--no-progress]``

Synchronous, for scripts; on a terminal a progress bar on stderr follows the stored rows, fed by the
intake's ``progress`` callback as the import job's is (``reviewdesk.cli_progress``)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases.imports.uploads import reviews_import_file
from reviewdesk.cli_progress import add_progress_argument, progress_bar
from reviewdesk.models import Shop


class Command(BaseCommand):
    help = "导入平台评价导出文件(XLSX/CSV)。整个文件要么全部导入，要么(有任何错误时)什么都不写。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="导出文件路径(.xlsx 或 .csv)")
        parser.add_argument("--shop", required=True, help="店铺代码")
        parser.add_argument("--dry-run", action="store_true", help="只校验和预估，不写入。")
        parser.add_argument("--json", action="store_true", help="以一个JSON对象输出计数和错误。")
        add_progress_argument(parser)

    def handle(self, *args, path, shop, dry_run=False, json=False, **options):
        as_json = json
        shop_obj = Shop.objects.filter(code=shop).first()
        if shop_obj is None:
            return self._fail(as_json, "unknown_shop", f"未知店铺代码“{shop}”。")
        if not shop_obj.active:
            return self._fail(as_json, "inactive_shop", f"店铺“{shop}”已停用。")
        file = Path(path)
        if not file.is_file():
            return self._fail(as_json, "file_not_found", f"找不到文件：{path}")
        with progress_bar(self, options, desc=_("校验") if dry_run else _("导入")) as progress:
            result = reviews_import_file(
                shop=shop_obj, data=file.read_bytes(), file_name=file.name, dry_run=dry_run, progress=progress
            )
        if as_json:
            self.stdout.write(_dumps(result.as_dict()))
        else:
            self._print(result)
        if not result.ok:
            raise CommandError(result.error["message"] if result.error else "导入失败", returncode=2)

    def _fail(self, as_json: bool, code: str, message: str):
        if as_json:
            self.stdout.write(_dumps({"ok": False, "error": {"code": code, "message": message}}))
        raise CommandError(message, returncode=2)

    def _print(self, result):
        head = "预演(未写入)" if result.dry_run else "导入"
        if result.ok:
            self.stdout.write(
                f"{head}完成：{result.rows} 行；新建 {result.created}，更新 {result.updated}，无变化 {result.unchanged}，"
                f"新开案件 {result.cases_opened}。格式：{result.mapping}，工作表“{result.sheet}”，表头在第{result.header_row}行，"
                f"用时 {result.seconds:.2f} 秒。"
            )
            return
        self.stderr.write(f"{head}失败：{result.error['message']}")
        for error in result.errors:
            self.stderr.write(f"  第{error['row']}行 [{error['column']}] {error['message']}")
        if result.error_count > len(result.errors):
            self.stderr.write(f"  ……另有 {result.error_count - len(result.errors)} 处错误未列出")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
