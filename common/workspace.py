"""The sections of the exam administrators' workspace (``/manage/``), registered by each app.

An app adds a section with :func:`register_workspace_section` (in its ``AppConfig.ready``);
the project's ``/manage/`` page lists them in ``order``. Keeping the registry here lets the
project page link every app's pages without importing the apps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WorkspaceSection:
    title: Any
    description: Any
    url_name: str
    order: int


_sections: list[WorkspaceSection] = []


def register_workspace_section(*, title: Any, description: Any, url_name: str, order: int) -> None:
    if all(section.url_name != url_name for section in _sections):
        _sections.append(
            WorkspaceSection(title=title, description=description, url_name=url_name, order=order)
        )


def workspace_sections() -> list[WorkspaceSection]:
    return sorted(_sections, key=lambda section: section.order)
