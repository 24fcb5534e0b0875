"""Question bank import and export (.xlsx and .csv): template, all-or-nothing, idempotent, round trip."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from common.spreadsheets import csv_bytes, xlsx_bytes
from exams.bank_io import TEMPLATE_HEADERS
from exams.models import Question, QuestionImport
from tests.conftest import token_client
from tests.factories import AdminFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADERS = [
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "选项E",
    "选项F",
    "选项G",
    "选项H",
    "答案",
    "解析",
    "法条依据",
    "分类",
    "难度",
]
EMPTY4 = ["", "", "", ""]
GOOD_ROWS = [
    [
        "单选",
        "宪法规定，国家实行（　）。",
        "人治",
        "依法治国",
        "以德治国",
        "科教兴国",
        *EMPTY4,
        "B",
        "宪法第五条。",
        "《中华人民共和国宪法》第五条",
        "宪法",
        "1",
    ],
    [
        "多选",
        "下列属于行政处罚的有（　）。",
        "警告",
        "罚款",
        "行政拘留",
        "记过",
        *EMPTY4,
        "A、B、C",
        "第九条。",
        "《中华人民共和国行政处罚法》第九条",
        "行政处罚法",
        "2",
    ],
    [
        "判断",
        "公民在法律面前一律平等。",
        "",
        "",
        "",
        "",
        *EMPTY4,
        "正确",
        "第三十三条。",
        "《中华人民共和国宪法》第三十三条",
        "宪法",
        "",
    ],
]


def upload(client, name, content):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/api/v1/questions/import/", {"file": file}, format="multipart")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_template_has_the_chinese_headers_and_imports_as_is(kind):
    client = token_client(AdminFactory())

    response = client.get(f"/api/v1/questions/import-template/?format={kind}")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="question-template.{kind}"'
    if kind == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        assert [cell.value for cell in sheet[1]] == HEADERS
    else:
        assert next(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == HEADERS
    assert TEMPLATE_HEADERS == HEADERS
    imported = upload(client, f"template.{kind}", response.content)
    assert imported.status_code == 201, imported.json()
    assert imported.json()["created"] == 3


def test_import_creates_questions_and_records_who_and_what():
    admin = AdminFactory()

    response = upload(token_client(admin), "bank.xlsx", xlsx_bytes(HEADERS, GOOD_ROWS))

    assert response.status_code == 201, response.json()
    record = QuestionImport.objects.get()
    assert response.json() == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "import_id": record.id,
        "warnings": [],
    }
    assert (record.actor, record.filename, record.created_count) == (admin, "bank.xlsx", 3)
    single, multiple, judge = Question.objects.order_by("id")
    assert (single.kind, single.answer, single.difficulty, single.category) == ("single", ["B"], 1, "宪法")
    assert single.options == [
        {"key": "A", "text": "人治"},
        {"key": "B", "text": "依法治国"},
        {"key": "C", "text": "以德治国"},
        {"key": "D", "text": "科教兴国"},
    ]
    assert (multiple.kind, multiple.answer, multiple.law_reference) == (
        "multiple",
        ["A", "B", "C"],
        "《中华人民共和国行政处罚法》第九条",
    )
    assert (judge.kind, judge.answer, judge.difficulty) == ("judge", ["T"], 3)
    assert judge.options == [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]


def test_importing_the_same_file_again_changes_nothing():
    client = token_client(AdminFactory())
    content = xlsx_bytes(HEADERS, GOOD_ROWS)
    upload(client, "bank.xlsx", content)
    before = list(Question.objects.order_by("id").values())

    again = upload(client, "bank.xlsx", content)

    assert again.status_code == 201
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 3, "import_id": None, "warnings": []}
    assert list(Question.objects.order_by("id").values()) == before
    assert QuestionImport.objects.count() == 1


def test_a_changed_row_updates_the_question_with_the_same_kind_and_stem():
    client = token_client(AdminFactory())
    upload(client, "bank.xlsx", xlsx_bytes(HEADERS, GOOD_ROWS))
    changed = [row[:] for row in GOOD_ROWS]
    changed[0][11] = "宪法第五条第一款。"

    response = upload(client, "bank.csv", csv_bytes(HEADERS, changed))

    assert response.json()["created"] == 0
    assert (response.json()["updated"], response.json()["unchanged"]) == (1, 2)
    assert Question.objects.get(kind="single").explanation == "宪法第五条第一款。"
    assert QuestionImport.objects.order_by("id").last().changes == [
        {
            "row": 2,
            "question": Question.objects.get(kind="single").id,
            "before": {"explanation": "宪法第五条。"},
            "after": {"explanation": "宪法第五条第一款。"},
        }
    ]


def test_every_bad_row_is_reported_with_its_number_and_fault_and_nothing_is_imported():
    rows = [
        GOOD_ROWS[0],
        ["填空", "题干", "a", "b", "", "", *EMPTY4, "A", "", "", "宪法", "1"],
        ["单选", "两个答案的单选题", "a", "b", "c", "", *EMPTY4, "AB", "", "", "宪法", "1"],
        ["多选", "一个答案的多选题", "a", "b", "c", "", *EMPTY4, "A", "", "", "宪法", "1"],
        ["判断", "答案不对的判断题", "", "", "", "", *EMPTY4, "也许", "", "", "宪法", "1"],
        ["单选", "答案不在选项中", "a", "b", "", "", *EMPTY4, "E", "", "", "民法典", "9"],
        ["单选", "", "a", "b", "", "", *EMPTY4, "A", "", "", "刑法", "2"],
        GOOD_ROWS[0],
    ]

    response = upload(token_client(AdminFactory()), "bank.xlsx", xlsx_bytes(HEADERS, rows))

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "题库文件有 9 处错误，未导入任何题目。"
    assert [(e["row"], e["field"], e["message"]) for e in body["errors"]] == [
        (3, "题型", "题型应为单选、多选或判断，而不是“填空”。"),
        (4, "答案", "单选题必须恰好有一个正确答案。"),
        (5, "答案", "多选题至少要有两个正确答案。"),
        (6, "答案", "判断题的答案应为“正确”或“错误”，而不是“也许”。"),
        (7, "答案", "答案中的“E”不是该题的选项。"),
        (7, "难度", "难度应为 1 到 5 的整数。"),
        (8, "题干", "题干不能为空。"),
        (
            8,
            "分类",
            "分类应为以下之一：宪法、民法典、政府信息公开条例、行政处罚法、行政许可法、行政强制法、行政复议法、行政诉讼法、其他。",
        ),
        (9, "题干", "与第 2 行的题目重复。"),
    ]
    assert Question.objects.count() == 0
    assert QuestionImport.objects.count() == 0


def test_a_file_without_the_required_headers_is_refused():
    response = upload(token_client(AdminFactory()), "bank.csv", csv_bytes(["题干", "答案"], [["x", "A"]]))

    assert response.status_code == 400
    assert response.json()["detail"] == "第 1 行缺少表头：题型、分类。"
    assert Question.objects.count() == 0


def test_a_gb18030_csv_from_excel_imports():
    content = csv_bytes(HEADERS, GOOD_ROWS).decode("utf-8-sig").encode("gb18030")

    response = upload(token_client(AdminFactory()), "bank.csv", content)

    assert response.status_code == 201
    assert Question.objects.count() == 3


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_export_uses_the_template_format_and_imports_back_unchanged(kind):
    QuestionFactory(kind="single")
    QuestionFactory(kind="multiple", category="民法典")
    QuestionFactory(kind="judge", answer=["F"])
    client = token_client(AdminFactory())

    exported = client.get(f"/api/v1/questions/export/?format={kind}")

    assert exported.status_code == 200
    if kind == "xlsx":
        rows = [
            [cell.value for cell in row] for row in load_workbook(io.BytesIO(exported.content)).worksheets[0]
        ]
    else:
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    judge_row = rows[3]
    assert (judge_row[0], judge_row[2], judge_row[3], judge_row[10]) == ("判断", "正确", "错误", "错误")
    assert (rows[2][0], rows[2][10], rows[2][13]) == ("多选", "AC", "民法典")
    assert upload(client, f"bank.{kind}", exported.content).json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "import_id": None,
        "warnings": [],
    }


def test_export_filters_like_the_list():
    QuestionFactory(kind="single")
    QuestionFactory(kind="judge")

    exported = token_client(AdminFactory()).get("/api/v1/questions/export/?format=csv&kind=judge")

    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["判断"]


def test_import_and_export_are_for_administrators_only():
    staff = token_client(UserFactory())

    assert upload(staff, "bank.xlsx", xlsx_bytes(HEADERS, GOOD_ROWS)).status_code == 403
    assert staff.get("/api/v1/questions/export/").status_code == 403
    assert staff.get("/api/v1/questions/import-template/").status_code == 403
    assert Question.objects.count() == 0
