"""Message templates: the placeholders a reminder may use, checking a template, filling it in.

A placeholder is written in braces, ``{姓名}``. The known ones are :data:`PLACEHOLDERS` (a credential
rule's: :data:`CREDENTIAL_PLACEHOLDERS`, as it has no exam or course but a credential number); a
template naming any other is refused when the rule is saved (:func:`template_check`), so a message
never goes out with a hole in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db.models import CharField, TextField, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from .errors import UnknownPlaceholder

NAME = "姓名"
EXAM_TITLE = "考试名称"
COURSE_TITLE = "课程名称"
DEADLINE = "截止时间"
LINK = "链接"
CREDENTIAL_NUMBER = "证号"

PLACEHOLDERS = (NAME, EXAM_TITLE, COURSE_TITLE, DEADLINE, LINK)
CREDENTIAL_PLACEHOLDERS = (NAME, CREDENTIAL_NUMBER, DEADLINE, LINK)

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def template_check(text: str, *, field: str, known: tuple[str, ...] = PLACEHOLDERS) -> None:
    """Raise :class:`UnknownPlaceholder` naming the first placeholder not in ``known`` (and ``field``)."""
    for name in _PLACEHOLDER.findall(text):
        if name not in known:
            raise UnknownPlaceholder(
                _("未知的占位符 {%(name)s}；可用的占位符：%(known)s。")
                % {"name": name, "known": "、".join("{" + each + "}" for each in known)},
                field=field,
            )


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill every known placeholder of ``text`` from ``values`` (one pass, so values are not re-read)."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def render_parts(text: str, values: Mapping[str, str]) -> list[tuple[str, bool]]:
    """``text`` filled in, as pieces: (the template's own text, False) and (a filled-in value, True),
    so that a page can show which parts of a message come from the data."""
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.group(1) not in values:
            continue
        if match.start() > position:
            parts.append((text[position : match.start()], False))
        parts.append((values[match.group(1)], True))
        position = match.end()
    if position < len(text):
        parts.append((text[position:], False))
    return parts


def render_expression(text: str, values: Mapping[str, str], per_row: Mapping[str, Any]) -> Any:
    """``text`` filled in by the database: the placeholders of ``per_row`` become those expressions
    (a person's name, read from their row), the others their value from ``values``, in the same one
    pass as :func:`render` (a value that itself contains ``{姓名}`` is not filled in again)."""
    pieces: list[Any] = []
    constant = ""
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        name = match.group(1)
        constant += text[position : match.start()]
        position = match.end()
        if name in per_row:
            if constant:
                pieces.append(Value(constant, output_field=TextField()))
            constant = ""
            pieces.append(per_row[name])
        else:
            constant += values.get(name, match.group(0))
    constant += text[position:]
    if constant or not pieces:
        pieces.append(Value(constant, output_field=TextField()))
    if len(pieces) == 1:
        return pieces[0]
    return Concat(*pieces, output_field=CharField())
