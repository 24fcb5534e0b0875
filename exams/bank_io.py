"""The question bank as a spreadsheet: import (.xlsx or .csv, all or nothing), export, template.

Columns (the template's Chinese headers): 题型 (单选/多选/判断), 题干, 选项A … 选项H,
答案 (letters such as ``B`` or ``ACD``; 正确/错误 for 判断), 解析, 法条依据, 分类 (a law
area), 难度 (1–5, 3 when blank). A file without 解析, 法条依据 or 难度 leaves a question already
in the bank with its value of them. A 判断 row leaves the options empty (or puts the texts
of 正确 and 错误 in 选项A and 选项B). Rows are matched to the bank by 题型 and 题干, so
importing the same file twice changes nothing, and an exported file imports unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO, Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _

from common.spreadsheets import download_response, read_rows
from people.models import User

from .models import JUDGE_FALSE, JUDGE_TRUE, OPTION_KEYS, Question, QuestionKind
from .services.questions import JUDGE_OPTIONS, ImportResult, QuestionIn, questions_import

H_KIND = "题型"
H_STEM = "题干"
H_OPTIONS = [f"选项{key}" for key in OPTION_KEYS]
H_ANSWER = "答案"
H_EXPLANATION = "解析"
H_LAW = "法条依据"
H_CATEGORY = "分类"
H_DIFFICULTY = "难度"

SHEET_TITLE = "题库"
TEMPLATE_HEADERS = [H_KIND, H_STEM, *H_OPTIONS, H_ANSWER, H_EXPLANATION, H_LAW, H_CATEGORY, H_DIFFICULTY]
REQUIRED_HEADERS = [H_KIND, H_STEM, H_ANSWER, H_CATEGORY]
# Columns a file may leave out without clearing them: see question_bank_import.
OPTIONAL_FIELDS = ["explanation", "law_reference", "difficulty"]
FIELD_HEADERS = {
    "kind": H_KIND,
    "stem": H_STEM,
    "options": "选项",
    "answer": H_ANSWER,
    "explanation": H_EXPLANATION,
    "law_reference": H_LAW,
    "category": H_CATEGORY,
    "difficulty": H_DIFFICULTY,
}

KIND_WORDS = {
    QuestionKind.SINGLE: {"单选", "单选题", "单项选择", "单项选择题", "single"},
    QuestionKind.MULTIPLE: {"多选", "多选题", "多项选择", "多项选择题", "multiple"},
    QuestionKind.JUDGE: {"判断", "判断题", "是非题", "judge"},
}
KIND_LABEL = {QuestionKind.SINGLE: "单选", QuestionKind.MULTIPLE: "多选", QuestionKind.JUDGE: "判断"}
JUDGE_WORDS = {
    JUDGE_TRUE: {"正确", "对", "是", "√", "✓", "t", "true", "y"},
    JUDGE_FALSE: {"错误", "错", "否", "×", "✗", "f", "false", "n"},
}
JUDGE_LABEL = {JUDGE_TRUE: "正确", JUDGE_FALSE: "错误"}
_SEPARATORS = re.compile(r"[\s,，、;；/|]+")

TEMPLATE_EXAMPLE = [
    [
        "单选",
        "中华人民共和国实行（　），建设社会主义法治国家。",
        "以德治国",
        "依法治国",
        "科教兴国",
        "依规治国",
        "",
        "",
        "",
        "",
        "B",
        "宪法第五条第一款规定，中华人民共和国实行依法治国，建设社会主义法治国家。",
        "《中华人民共和国宪法》第五条",
        "宪法",
        "1",
    ],
    [
        "多选",
        "根据行政处罚法，下列属于行政处罚种类的有（　）。",
        "警告、通报批评",
        "罚款、没收违法所得",
        "行政拘留",
        "记过",
        "",
        "",
        "",
        "",
        "ABC",
        "行政处罚法第九条列举了行政处罚的种类；记过属于政务处分，不是行政处罚。",
        "《中华人民共和国行政处罚法》第九条",
        "行政处罚法",
        "2",
    ],
    [
        "判断",
        "中华人民共和国公民在法律面前一律平等。",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "正确",
        "宪法第三十三条第二款规定，中华人民共和国公民在法律面前一律平等。",
        "《中华人民共和国宪法》第三十三条",
        "宪法",
        "1",
    ],
]


def _kind(value: str) -> str | None:
    text = value.strip().lower()
    for kind, words in KIND_WORDS.items():
        if text in words:
            return str(kind)
    return None


def _answer(value: str, kind: str | None) -> list[str] | None:
    text = value.strip()
    if kind == QuestionKind.JUDGE:
        for key, words in JUDGE_WORDS.items():
            if text.lower() in words:
                return [key]
        return None
    letters = _SEPARATORS.sub("", text).upper()
    if not letters or not letters.isascii() or not letters.isalpha():
        return None
    return list(letters)


def question_rows_parse(
    file: IO[bytes], *, filename: str
) -> tuple[list[tuple[int, QuestionIn]], list[dict[str, Any]], set[str]]:
    """Read a question spreadsheet: the readable rows, the faults of the unreadable ones
    (``{"row", "field", "message"}``: 题型, 答案 or 难度 that cannot be read), and the headers it has."""
    rows = read_rows(file, filename=filename, required_headers=REQUIRED_HEADERS)
    present = set(rows[0].values) if rows else set()
    errors: list[dict[str, Any]] = []
    parsed: list[tuple[int, QuestionIn]] = []
    for row in rows:
        values = row.values
        kind = _kind(values.get(H_KIND, ""))
        if kind is None:
            errors.append(
                {
                    "row": row.number,
                    "field": H_KIND,
                    "message": _("题型应为单选、多选或判断，而不是“%(v)s”。") % {"v": values.get(H_KIND, "")},
                }
            )
            continue
        answer = _answer(values.get(H_ANSWER, ""), kind)
        if answer is None:
            message = (
                _("判断题的答案应为“正确”或“错误”，而不是“%(v)s”。")
                if kind == QuestionKind.JUDGE
                else _("答案应为选项字母（如 B 或 ACD），而不是“%(v)s”。")
            )
            errors.append(
                {"row": row.number, "field": H_ANSWER, "message": message % {"v": values.get(H_ANSWER, "")}}
            )
            continue
        difficulty_text = values.get(H_DIFFICULTY, "") or "3"
        try:
            difficulty = int(difficulty_text)
        except ValueError:
            errors.append(
                {
                    "row": row.number,
                    "field": H_DIFFICULTY,
                    "message": _("难度应为 1 到 5 的整数，而不是“%(v)s”。") % {"v": difficulty_text},
                }
            )
            continue
        if kind == QuestionKind.JUDGE:
            true_text, false_text = values.get(H_OPTIONS[0], ""), values.get(H_OPTIONS[1], "")
            options = (
                [{"key": JUDGE_TRUE, "text": true_text}, {"key": JUDGE_FALSE, "text": false_text}]
                if true_text or false_text
                else []
            )
        else:
            options = [
                {"key": key, "text": values.get(header, "")}
                for key, header in zip(OPTION_KEYS, H_OPTIONS, strict=True)
                if values.get(header, "")
            ]
        parsed.append(
            (
                row.number,
                QuestionIn(
                    kind=kind,
                    stem=values.get(H_STEM, ""),
                    options=options,
                    answer=answer,
                    explanation=values.get(H_EXPLANATION, ""),
                    law_reference=values.get(H_LAW, ""),
                    category=values.get(H_CATEGORY, ""),
                    difficulty=difficulty,
                ),
            )
        )
    return parsed, errors, present


def question_bank_import(*, file: IO[bytes], filename: str, actor: User | None) -> ImportResult:
    """Import a question spreadsheet, all rows or none; ``ValidationFailed`` lists every bad row
    with its number, column and fault."""
    rows, errors, present = question_rows_parse(file, filename=filename)
    # A file without 解析, 法条依据 or 难度 leaves the bank's values of them as they are.
    keep = [name for name in OPTIONAL_FIELDS if FIELD_HEADERS[name] not in present]
    return questions_import(
        rows=rows, filename=filename, actor=actor, headers=FIELD_HEADERS, errors=errors, keep=keep
    )


def question_export_rows(questions: Iterable[Question]) -> list[list[Any]]:
    result = []
    for question in questions:
        by_key = {option["key"]: option["text"] for option in question.options}
        if question.kind == QuestionKind.JUDGE:
            default = {option["key"]: option["text"] for option in JUDGE_OPTIONS}
            options = [
                by_key.get(JUDGE_TRUE, default[JUDGE_TRUE]),
                by_key.get(JUDGE_FALSE, default[JUDGE_FALSE]),
            ]
            options += [""] * (len(OPTION_KEYS) - 2)
            answer = "".join(JUDGE_LABEL[key] for key in question.answer)
        else:
            options = [by_key.get(key, "") for key in OPTION_KEYS]
            answer = "".join(question.answer)
        result.append(
            [
                KIND_LABEL[QuestionKind(question.kind)],
                question.stem,
                *options,
                answer,
                question.explanation,
                question.law_reference,
                question.category,
                question.difficulty,
            ]
        )
    return result


def question_export(questions: QuerySet[Question], *, kind: str) -> HttpResponse:
    """The questions as an attachment in the template's format (``kind`` "xlsx" or "csv")."""
    rows = question_export_rows(questions.order_by("id").iterator(chunk_size=2000))
    return download_response(TEMPLATE_HEADERS, rows, kind=kind, filename="questions", title=SHEET_TITLE)


def question_template(*, kind: str) -> HttpResponse:
    """The import template with three example rows, as an attachment (``kind`` "xlsx" or "csv")."""
    return download_response(
        TEMPLATE_HEADERS, TEMPLATE_EXAMPLE, kind=kind, filename="question-template", title=SHEET_TITLE
    )
