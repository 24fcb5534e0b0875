"""Reading request bodies the serializers cannot describe: the answers of a save, parsed by hand
because a save is the hot path (a serializer costs more than the save's statements)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from common.errors import ValidationFailed
from common.params import is_row_id

from ..services import AnswerIn


def answers_from_payload(payload: Any) -> list[AnswerIn]:
    """Read ``{"answers": [{"item": id, "keys": [...]}]}``; ``ValidationFailed`` names the fault."""
    answers = payload.get("answers") if isinstance(payload, dict) else None
    if not isinstance(answers, list):
        raise ValidationFailed(
            _('请求体应为 {"answers": [{"item": 题目编号, "keys": [...]}]}。'), field="answers"
        )
    result: list[AnswerIn] = []
    for index, entry in enumerate(answers):
        item = entry.get("item") if isinstance(entry, dict) else None
        keys = entry.get("keys") if isinstance(entry, dict) else None
        # Item ids are the database's 64-bit keys: a larger number cannot name one (nor go into SQL).
        if isinstance(item, bool) or not isinstance(item, int) or not is_row_id(item):
            raise ValidationFailed(
                _("answers[%(i)s].item 应为题目编号（整数）。") % {"i": index}, field=f"answers[{index}].item"
            )
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            raise ValidationFailed(
                _("第 %(item)s 题：keys 应为选项键的列表。") % {"item": item}, field=f"answers[{index}].keys"
            )
        result.append(AnswerIn(item=item, keys=keys))
    return result
