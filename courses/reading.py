"""How long a lesson takes to read: the one rule behind a lesson's minimum study time.

A lesson needs the time its text takes to read at ``READING_CHARS_PER_MINUTE`` (law text is read
slowly), at least ``MIN_READING_SECONDS``, and never more than the lesson's own
``min_study_seconds``, which the course's editor sets as the upper bound. So a lesson that fits on
one screen needs a few dozen seconds, not the editor's four minutes. The completion rule
(``services.progress``), the lesson page and the API all read it here.
"""

from __future__ import annotations

import math
import re

from .models import Lesson

READING_CHARS_PER_MINUTE = 300
MIN_READING_SECONDS = 15

_MARKUP = re.compile(r"[\s#>*\-]")


def lesson_characters(lesson: Lesson) -> int:
    """The characters a reader reads: the body and the cited articles, without spaces and markup."""
    return len(_MARKUP.sub("", lesson.body)) + len(_MARKUP.sub("", lesson.articles))


def lesson_required_seconds(lesson: Lesson) -> int:
    reading = math.ceil(lesson_characters(lesson) * 60 / READING_CHARS_PER_MINUTE)
    return min(lesson.min_study_seconds, max(MIN_READING_SECONDS, reading))
