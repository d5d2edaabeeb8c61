from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reviewdesk.cli_progress import add_progress_argument, progress_bar
from reviewdesk.models import User
from training.exports import export_scores_xlsx


class Command(BaseCommand):
    help = "把某周期的培训成绩导出为XLSX(供人事使用)。"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="月度如 2026-11(含该月各周)，周度如 2026-W47。")
        parser.add_argument("--output", help="输出文件路径；默认 training-scores-<周期>.xlsx。")
        parser.add_argument("--user", help="只导出此用户(用户名)可见店铺的员工；默认全部。")
        add_progress_argument(parser)

    def handle(self, *args, period, output=None, user=None, **options):
        viewer = None
        if user:
            viewer = User.objects.filter(username=user).first()
            if viewer is None:
                raise CommandError(f"未知用户“{user}”。")
        try:
            with progress_bar(self, options, desc=_("导出")) as progress:
                filename, content = export_scores_xlsx(period=period, viewer=viewer, progress=progress)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages))
        path = Path(output or filename)
        path.write_bytes(content)
        self.stdout.write(f"已导出到 {path}")
