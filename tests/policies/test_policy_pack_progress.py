"""``policy_pack export`` / ``import`` on a terminal draw a progress bar on stderr that counts the sheets
(``export_pack`` / ``import_pack``'s ``progress`` callback); without a terminal, with ``--no-progress`` or
``-v 0`` they print what they printed before, and the exit codes are the same."""

import io

import pytest
from django.core.management import CommandError, call_command

from policies.pack import PACK_RESOURCES

pytestmark = pytest.mark.usefixtures("policy_pack")
SHEETS = len(PACK_RESOURCES)


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(*args, stderr) -> str:
    out = io.StringIO()
    call_command("policy_pack", *args, stdout=out, stderr=stderr)
    return out.getvalue()


def test_on_a_terminal_export_and_import_count_every_sheet(tmp_path):
    pack = tmp_path / "pack.xlsx"
    exported, imported = FakeTTY(), FakeTTY()

    _run("export", "--out", str(pack), stderr=exported)
    text = _run("import", str(pack), "--dry-run", stderr=imported)

    assert "导出: 100%" in exported.getvalue() and f"{SHEETS}/{SHEETS}" in exported.getvalue()
    assert "导入: 100%" in imported.getvalue() and f"{SHEETS}/{SHEETS}" in imported.getvalue()
    assert text.splitlines()[-1].startswith("试导入通过(未写入)：新增0，更新0，未变")


def test_without_a_terminal_the_output_is_unchanged(tmp_path):
    pack, err = tmp_path / "pack.xlsx", io.StringIO()

    exported = _run("export", "--out", str(pack), stderr=err)
    shown = _run("import", str(pack), "--dry-run", stderr=FakeTTY())
    quiet = _run("import", str(pack), "--dry-run", stderr=err)

    assert err.getvalue() == ""
    assert exported == f"已导出规则包：{pack}\n"
    assert quiet == shown
    assert len(quiet.splitlines()) == SHEETS + 1


@pytest.mark.parametrize("before, after", [([], ["--no-progress"]), (["-v", "0"], [])])
def test_no_progress_and_verbosity_0_keep_a_terminal_quiet(tmp_path, before, after):
    err = FakeTTY()

    _run(*before, "export", "--out", str(tmp_path / "pack.xlsx"), *after, stderr=err)
    _run(*before, "import", str(tmp_path / "pack.xlsx"), "--dry-run", *after, stderr=err)

    assert err.getvalue() == ""


def test_a_bad_file_still_fails_with_its_message(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    err = FakeTTY()

    with pytest.raises(CommandError, match="规则包有1处错误，未写入任何内容"):
        _run("import", str(bad), stderr=err)
    assert "%|" not in err.getvalue()  # refused before any sheet was read
