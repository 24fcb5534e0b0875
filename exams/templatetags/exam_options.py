"""Template filters that label options by their place on the screen (see ``exams.option_labels``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import template

from ..option_labels import keys_as_labels, labelled_options

register = template.Library()


@register.filter
def labelled(options: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return labelled_options(options)


@register.filter
def as_labels(keys: Iterable[str], options: Sequence[dict[str, Any]]) -> list[str]:
    return keys_as_labels(keys, options)
