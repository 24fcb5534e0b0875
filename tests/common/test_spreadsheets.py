"""Spreadsheets: bad files get a 400 naming the row, never a 500; exports never write a formula."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from common.errors import ValidationFailed
from common.spreadsheets import csv_bytes, read_rows, xlsx_bytes

HEADERS = ["工号", "姓名"]
DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


def read(content: bytes, name: str = "f.csv"):
    return read_rows(io.BytesIO(content), filename=name, required_headers=HEADERS)


def refusal(content: bytes, name: str = "f.csv") -> str:
    with pytest.raises(ValidationFailed) as caught:
        read(content, name)
    return caught.value.message


def test_a_csv_export_writes_formula_like_cells_as_text_and_reads_them_back_unchanged():
    content = csv_bytes(HEADERS, [[text, -3] for text in DANGEROUS] + [["张三", 7]])
    written = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert written[1:] == [["'" + text, "-3"] for text in DANGEROUS] + [["张三", "7"]]
    assert [row.values["工号"] for row in read(content)] == [text.strip() for text in DANGEROUS] + ["张三"]


def test_an_xlsx_export_stores_formula_like_cells_as_text_cells():
    content = xlsx_bytes(HEADERS, [[text, -3] for text in DANGEROUS])
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type) for cell in cells] == [(text, "s") for text in DANGEROUS]
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [-3] * len(DANGEROUS)


def test_a_file_over_the_byte_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 1000
    assert refusal(csv_bytes(HEADERS, [["A1", "x" * 20]] * 100)) == "文件超过 0.0 MB 的上限，请分批导入。"


def test_more_rows_than_the_limit_are_refused_naming_the_first_row_past_it(settings):
    settings.IMPORT_MAX_ROWS = 3
    content = csv_bytes(HEADERS, [[f"A{n}", "张三"] for n in range(5)])
    assert refusal(content) == "第 5 行：文件超过 3 行数据的上限，请分批导入。"


def test_a_nul_in_a_cell_is_refused_naming_row_and_column():
    content = "工号,姓名\nA1,张三\nA2,李\x00四\n".encode()
    assert refusal(content) == "第 3 行“姓名”：不能含有空字符。"


def test_an_over_long_cell_is_refused_naming_row_and_column(settings):
    settings.IMPORT_MAX_CELL_CHARS = 100
    content = csv_bytes(HEADERS, [["A1", "张" * 101]])
    assert refusal(content) == "第 2 行“姓名”：内容超过 100 个字符。"


def test_a_csv_the_parser_cannot_read_is_refused_naming_the_row():
    content = ("工号,姓名\nA1,张三\nA2," + "x" * 200_000 + "\n").encode()
    assert refusal(content) == "第 3 行无法读取：文件已损坏或不是有效的 .csv 文件。"


def test_an_xlsx_whose_sheet_is_broken_is_refused_not_a_server_error():
    good = xlsx_bytes(HEADERS, [["A1", "张三"], ["A2", "李四"]])
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    message = refusal(broken.getvalue(), "f.xlsx")
    assert message.startswith(("第 ", "无法读取该 .xlsx 文件")), message


def test_bytes_that_are_no_xlsx_are_refused():
    assert refusal(b"PK\x03\x04 not really a zip", "f.xlsx") == "无法读取该 .xlsx 文件，请使用下载的模板。"
