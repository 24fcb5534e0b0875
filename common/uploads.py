"""The upload half of a spreadsheet import page: run the import on the posted file, or say why not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .errors import DomainError

T = TypeVar("T")


def spreadsheet_upload(
    request: HttpRequest, run: Callable[[UploadedFile], T]
) -> tuple[T | None, dict[str, Any]]:
    """``(result, {})`` when ``run(file)`` succeeds; ``(None, {"detail", "errors"})`` when no file was sent
    or the import refused it (``errors`` lists every bad row as ``{row, field, message}``)."""
    upload = request.FILES.get("file")
    if upload is None:
        return None, {"detail": _("请选择要导入的文件。"), "errors": []}
    try:
        return run(upload), {}
    except DomainError as exc:
        return None, {"detail": exc.message, "errors": exc.errors or []}
