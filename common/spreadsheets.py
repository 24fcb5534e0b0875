"""Reading and writing the .xlsx and .csv files that imports and exports use."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from .errors import ValidationFailed

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet program runs a cell that begins with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    values: dict[str, str]


def read_rows(file: IO[bytes], *, filename: str, required_headers: Sequence[str]) -> list[Row]:
    """Read a sheet whose first row holds the headers; every cell comes back as a trimmed string.

    Bad input is a ``ValidationFailed`` naming the row (and column), never an exception of the
    file's parser: a file over ``IMPORT_MAX_BYTES``, more data rows than ``IMPORT_MAX_ROWS``
    (named by the first row past the limit), a cell over ``IMPORT_MAX_CELL_CHARS`` characters or
    holding a NUL, a CSV the csv module cannot parse, an .xlsx that openpyxl cannot read.
    A leading apostrophe that an export put before = + - @ (see :func:`_as_text`) is removed.
    """
    name = filename.lower()
    data = _read_capped(file)
    if name.endswith(".xlsx"):
        raw = _xlsx_rows(data)
    elif name.endswith(".csv"):
        raw = _csv_rows(data)
    else:
        raise ValidationFailed(_("只支持 .xlsx 或 .csv 文件。"), field="file")
    max_rows = settings.IMPORT_MAX_ROWS
    try:
        try:
            header_cells = next(raw)
        except StopIteration:
            raise ValidationFailed(_("文件是空的。"), field="file") from None
        headers = [_cell(value, row=1, column="") for value in header_cells]
        missing = [header for header in required_headers if header not in headers]
        if missing:
            raise ValidationFailed(
                _("第 1 行缺少表头：%(headers)s。") % {"headers": "、".join(missing)}, field="file"
            )
        rows: list[Row] = []
        for number, cells in enumerate(raw, start=2):
            values = {
                header: _cell(cells[i], row=number, column=header) if i < len(cells) else ""
                for i, header in enumerate(headers)
                if header
            }
            if any(values.values()):
                if len(rows) >= max_rows:
                    raise ValidationFailed(
                        _("第 %(row)s 行：文件超过 %(max)s 行数据的上限，请分批导入。")
                        % {"row": number, "max": max_rows},
                        field="file",
                    )
                rows.append(Row(number=number, values=values))
    except _ParseError as error:
        raise ValidationFailed(
            _("第 %(row)s 行无法读取：文件已损坏或不是有效的 %(kind)s 文件。")
            % {"row": error.row, "kind": error.kind},
            field="file",
        ) from None
    return rows


class _ParseError(Exception):
    def __init__(self, row: int, kind: str) -> None:
        super().__init__(row, kind)
        self.row = row
        self.kind = kind


def _read_capped(file: IO[bytes]) -> bytes:
    limit = settings.IMPORT_MAX_BYTES
    data = file.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(
            _("文件超过 %(mb)s MB 的上限，请分批导入。") % {"mb": round(limit / 1024 / 1024, 1)}, field="file"
        )
    return data


def _cell(value: Any, *, row: int, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    where = {"row": row, "column": column or _("表头")}
    if "\x00" in text:
        raise ValidationFailed(
            _("第 %(row)s 行“%(column)s”：不能含有空字符。") % where, field=column or "file"
        )
    if len(text) > settings.IMPORT_MAX_CELL_CHARS:
        raise ValidationFailed(
            _("第 %(row)s 行“%(column)s”：内容超过 %(max)s 个字符。")
            % {**where, "max": settings.IMPORT_MAX_CELL_CHARS},
            field=column or "file",
        )
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:].strip()
    return text


def _xlsx_rows(data: bytes) -> Iterator[Sequence[Any]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception:
        raise ValidationFailed(_("无法读取该 .xlsx 文件，请使用下载的模板。"), field="file") from None
    rows = sheet.iter_rows(values_only=True)
    number = 0
    while True:
        number += 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception:
            # openpyxl parses the sheet as it goes: a broken row fails here, not at load time.
            raise _ParseError(number, ".xlsx") from None
        yield row


def _csv_rows(data: bytes) -> Iterator[Sequence[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(_("无法识别该 .csv 文件的编码，请保存为 UTF-8。"), field="file")
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise _ParseError(reader.line_num, ".csv") from None
        yield row


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1") -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even when it begins with "=": never a formula
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            10, len(str(header)) * 3
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([_as_text(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def download_response(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, kind: str, filename: str, title: str = "Sheet1"
) -> HttpResponse:
    """The rows as an .xlsx (``kind`` "xlsx") or .csv attachment named ``filename`` plus the extension."""
    if kind == "csv":
        response = HttpResponse(csv_bytes(headers, rows), content_type="text/csv; charset=utf-8")
    else:
        kind = "xlsx"
        response = HttpResponse(xlsx_bytes(headers, rows, title=title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    return response


def _as_text(value: Any) -> Any:
    """CSV text that a spreadsheet program would run as a formula gets a leading apostrophe.

    Every CSV export writes its cells through here (an .xlsx export stores every string as a
    text cell instead); :func:`read_rows` removes the apostrophe again, so an exported file
    imports unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def parse_yes_no(value: str) -> bool | None:
    """是/否 (and Y/N, 1/0, true/false); None when it is neither."""
    text = value.strip().lower()
    if text in {"是", "y", "yes", "1", "true", "t", "√"}:
        return True
    if text in {"否", "n", "no", "0", "false", "f", ""}:
        return False
    return None
