"""Writes to the law-area table: a bureau adds its own areas (建筑法, 城乡规划法…) as data."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from common.errors import ValidationFailed

from ..models import LawArea

NAME_MAX_LENGTH = LawArea._meta.get_field("name").max_length or 32


def law_area_name_clean(name: str) -> str:
    """The name with its spaces tidied, or ``ValidationFailed`` (field ``name``): blank, too long, existing."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValidationFailed(_("名称不能为空。"), field="name")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise ValidationFailed(_("名称不能超过 %(n)s 个字。") % {"n": NAME_MAX_LENGTH}, field="name")
    if LawArea.objects.filter(name=cleaned).exists():
        raise ValidationFailed(_("法律领域“%(name)s”已存在。") % {"name": cleaned}, field="name")
    return cleaned


def law_area_create(*, name: str) -> LawArea:
    """Add a law area; a refusal (``law_area_name_clean``) writes nothing. The row is audited
    (django-auditlog, the actor from the request)."""
    cleaned = law_area_name_clean(name)
    try:
        with transaction.atomic():
            return LawArea.objects.create(name=cleaned)
    except IntegrityError:  # created by someone else between the check and the insert
        raise ValidationFailed(_("法律领域“%(name)s”已存在。") % {"name": cleaned}, field="name") from None
