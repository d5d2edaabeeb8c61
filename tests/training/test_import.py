"""Score import: row-level messages for every bad row, and a bad file writes nothing."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from training.models import Score
from training.resources import import_scores, read_dataset, row_messages

from .conftest import give_score

HEADER = ["工号", "模块代码", "周期", "成绩", "备注"]


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.fixture
def trainer(make_user, shop):
    return make_user("supervisor", shops=[shop])


@pytest.fixture
def agents(make_user, shop):
    return [make_user("agent", shops=[shop], employee_code=f"A{n:03d}") for n in (1, 2)]


def scores_state():
    return sorted(Score.objects.values_list("agent_id", "module__code", "period", "source", "value"))


def run(content: bytes, name: str, user, dry_run=False):
    result = import_scores(read_dataset(content, name), user=user, dry_run=dry_run)
    return result, row_messages(result)


def test_a_good_xlsx_is_imported_with_its_source_and_importer(trainer, agents, product_knowledge):
    content = xlsx(
        [
            [" A001 ", "product_knowledge", "2026-11", 96.5, "月考"],
            ["A002", "negotiation", "2026-11", "88", None],
        ]
    )
    result, messages = run(content, "成绩.xlsx", trainer)
    assert messages == [] and result.totals["new"] == 2
    assert sorted(
        Score.objects.values_list(
            "agent__employee_code", "module__code", "period", "value", "source", "recorded_by_id", "note"
        )
    ) == [
        ("A001", "product_knowledge", "2026-11", 96.5, "import", trainer.pk, "月考"),
        ("A002", "negotiation", "2026-11", 88, "import", trainer.pk, ""),
    ]


def test_a_dry_run_writes_nothing(trainer, agents):
    result, messages = run(
        xlsx([["A001", "product_knowledge", "2026-11", 96]]), "a.xlsx", trainer, dry_run=True
    )
    assert messages == [] and result.totals["new"] == 1 and Score.objects.count() == 0


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_csv_in_each_encoding(trainer, agents, encoding):
    content = csv_bytes(
        [["A001", "product_knowledge", "2026-11", "95%"]],
        header=["员工工号", "模块", "考核周期", "得分"],
        encoding=encoding,
    )
    _result, messages = run(content, "scores.csv", trainer)
    assert messages == [] and list(Score.objects.values_list("value", flat=True)) == [95]


def test_reimporting_replaces_the_imported_score(trainer, agents):
    run(xlsx([["A001", "product_knowledge", "2026-11", 90]]), "a.xlsx", trainer)
    run(xlsx([["A001", "product_knowledge", "2026-11", 97]]), "a.xlsx", trainer)
    assert scores_state() == [(agents[0].pk, "product_knowledge", "2026-11", "import", 97)]


def test_bad_rows_give_row_level_messages_and_nothing_is_written(
    trainer, agents, product_knowledge, make_user, other_shop
):
    give_score(agents[0], product_knowledge, "2026-10", 99)
    make_user("agent", shops=[other_shop], employee_code="X900")
    before = scores_state()
    content = xlsx(
        [
            ["A001", "product_knowledge", "2026-11", 96],  # row 2: fine on its own
            ["Z999", "product_knowledge", "2026-11", 96],  # row 3: unknown employee
            ["A002", "product_knowledge", "2026-11", 101],  # row 4: above the range
            ["A002", "negotiation", "2026-11", -1],  # row 5: below the range
            ["A001", "product_knowledge", "2026-11", 97],  # row 6: repeats row 2
            ["A002", "no_such_module", "2026-11", 90],  # row 7: unknown module
            ["A002", "product_knowledge", "2026-13", 90],  # row 8: bad period
            ["A002", "weekly_roleplay", "2026-11", 90],  # row 9: a weekly module needs a week
            ["A002", "product_knowledge", "2026-11", "优秀"],  # row 10: not a number
            ["X900", "product_knowledge", "2026-11", 96],  # row 11: not in the trainer's shops
            ["", "product_knowledge", "2026-11", 96],  # row 12: no employee code
        ]
    )
    result, messages = run(content, "bad.xlsx", trainer)
    assert messages == [
        "第3行：未知工号“Z999”。",
        "第4行：成绩 101 超出范围：“产品知识”的成绩应在 0 到 100 之间。",
        "第5行：成绩 -1 超出范围：“谈判技巧”的成绩应在 0 到 100 之间。",
        "第6行：与第2行重复(同一工号、模块和周期)。",
        "第7行：未知模块代码“no_such_module”。",
        "第8行：周期“2026-13”无效：月度写作 2026-11，周度写作 2026-W47。",
        "第9行：模块“每周角色扮演培训”每周考核，周期应写作 2026-W47，而不是“2026-11”。",
        "第10行：成绩“优秀”不是数字。",
        "第11行：你无权为工号“X900”录入成绩(不在你的店铺)。",
        "第12行：工号为空。",
    ]
    assert scores_state() == before


def test_one_bad_row_among_good_ones_writes_nothing(trainer, agents):
    rows = [["A001", "product_knowledge", f"2026-{m:02d}", 96] for m in range(1, 11)] + [
        ["A002", "product_knowledge", "2026-11", 150]
    ]
    _result, messages = run(xlsx(rows), "mixed.xlsx", trainer)
    assert messages == ["第12行：成绩 150 超出范围：“产品知识”的成绩应在 0 到 100 之间。"]
    assert Score.objects.count() == 0


def test_blank_lines_are_skipped(trainer, agents):
    _result, messages = run(
        xlsx(
            [
                ["A001", "product_knowledge", "2026-11", 96],
                [None, None, None, None, None],
                ["A002", "product_knowledge", "2026-11", 97],
            ]
        ),
        "a.xlsx",
        trainer,
    )
    assert messages == [] and Score.objects.count() == 2


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            xlsx([["A001", "product_knowledge", 96]], header=["工号", "模块代码", "成绩"]),
            "a.xlsx",
            "文件缺少必需的列：周期。需要的列：工号、模块代码、周期、成绩(备注可选)。",
        ),
        (xlsx([]), "a.xlsx", "文件里没有数据行。"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "无法读取该XLSX文件，请确认文件未损坏。"),
        (b"\xff\xfe\x00\x81\xff", "a.csv", "无法识别CSV文件的编码(支持UTF-8和GBK/GB18030)。"),
        (b"hello", "a.txt", "只支持 .xlsx 和 .csv 文件。"),
    ],
    ids=["missing-column", "no-rows", "not-a-zip", "bad-encoding", "wrong-type"],  # stable ids (xdist)
)
def test_bad_files_get_a_clear_message(trainer, content, name, message):
    with pytest.raises(ValueError) as exc:
        run(content, name, trainer)
    assert str(exc.value) == message and Score.objects.count() == 0


def test_the_trainers_import_page_shows_row_errors_and_writes_nothing(client, trainer, agents):
    client.force_login(trainer)
    upload = io.BytesIO(
        xlsx([["A001", "product_knowledge", "2026-11", 96], ["Z999", "product_knowledge", "2026-11", 96]])
    )
    upload.name = "成绩.xlsx"
    response = client.post(reverse("training:score_import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["errors"] == ["第3行：未知工号“Z999”。"]
    assert "文件有错误，没有写入任何成绩" in response.content.decode()
    assert Score.objects.count() == 0


def test_the_trainers_import_page_writes_a_good_file(client, trainer, agents):
    client.force_login(trainer)
    upload = io.BytesIO(csv_bytes([["A001", "product_knowledge", "2026-11", 96]], encoding="gbk"))
    upload.name = "scores.csv"
    response = client.post(reverse("training:score_import"), {"file": upload})
    assert response.status_code == 302
    assert scores_state() == [(agents[0].pk, "product_knowledge", "2026-11", "import", 96)]


def test_agents_cannot_open_the_import_page(client, agents):
    client.force_login(agents[0])
    assert client.get(reverse("training:score_import")).status_code == 403


def test_the_admin_import_shows_row_errors_and_writes_nothing(client, make_user, shop, agents):
    manager = make_user("manager", shops=[shop], is_staff=True)
    client.force_login(manager)
    upload = io.BytesIO(
        xlsx([["A001", "product_knowledge", "2026-11", 96], ["A001", "product_knowledge", "2026-11", 97]])
    )
    upload.name = "scores.xlsx"
    url = reverse("admin:training_score_import")
    page = client.get(url)
    assert page.status_code == 200
    formats = page.context["form"].fields["format"].choices
    xlsx_format = next(value for value, label in formats if "xlsx" in str(label).lower())
    response = client.post(url, {"import_file": upload, "format": xlsx_format, "resource": "0"})
    assert response.status_code == 200
    assert "第3行：与第2行重复(同一工号、模块和周期)。" in response.content.decode()
    assert Score.objects.count() == 0
