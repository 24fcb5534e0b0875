"""Form fields over the people tables, shared by every app's pages."""

from __future__ import annotations

from django import forms

from .models import Department


class DepartmentTreeField(forms.ModelMultipleChoiceField):
    """Departments in tree order (by path), each indented by its depth."""

    def label_from_instance(self, obj: Department) -> str:  # type: ignore[override]
        return "　" * (obj.depth - 1) + obj.name


class DepartmentTreeChoiceField(forms.ModelChoiceField):
    """One department, in tree order, indented by its depth."""

    def label_from_instance(self, obj: Department) -> str:  # type: ignore[override]
        return "　" * (obj.depth - 1) + obj.name
