"""How a candidate reads an option: by its position on the screen, not by its key.

Options are shuffled per paper but keep their keys (the API, saved answers and grading speak
keys). A page labels the options A, B, C… in the order it shows them, and names the candidate's
and the correct keys by those labels, so a candidate never reads "D, C, B, A".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .models import OPTION_KEYS


def displayed_labels(options: Sequence[dict[str, Any]]) -> dict[str, str]:
    """``{key: label}``: the label is the option's place in ``options`` (A for the first)."""
    return {str(option["key"]): OPTION_KEYS[index] for index, option in enumerate(options)}


def labelled_options(options: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The options in the same order, each with its displayed ``label``."""
    return [{**option, "label": OPTION_KEYS[index]} for index, option in enumerate(options)]


def keys_as_labels(keys: Iterable[str], options: Sequence[dict[str, Any]]) -> list[str]:
    """The displayed labels of ``keys``, in screen order; a key not among ``options`` keeps its own name."""
    labels = displayed_labels(options)
    return sorted((labels.get(str(key), str(key)) for key in keys), key=lambda label: (len(label), label))
