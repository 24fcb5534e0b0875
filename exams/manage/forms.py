"""Forms of the workspace pages. They only parse input; the services decide and refuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from people.forms import DepartmentTreeChoiceField, DepartmentTreeField
from people.models import Department

from ..models import Exam, ExamKind

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def datetime_field(label: Any, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, widget=DateTimeLocalInput(), input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"], **kwargs
    )


class SessionScheduleForm(forms.Form):
    exam = forms.ModelChoiceField(
        label=_("试卷"), queryset=Exam.objects.exclude(kind=ExamKind.PRACTICE).order_by("-id")
    )
    title = forms.CharField(label=_("场次名称"), max_length=200)
    opens_at = datetime_field(_("开始时间"))
    closes_at = datetime_field(_("结束时间"))
    departments = DepartmentTreeField(
        label=_("参加单位（含下级单位；不选表示全部单位）"),
        queryset=Department.objects.order_by("path"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    enforcement_officers_only = forms.BooleanField(label=_("仅限执法人员"), required=False)


class SessionExtendForm(forms.Form):
    closes_at = datetime_field(_("新的结束时间"))


class ResultsFilterForm(forms.Form):
    department = DepartmentTreeChoiceField(
        label=_("单位（含下级单位）"),
        queryset=Department.objects.order_by("path"),
        required=False,
        empty_label=_("全部单位"),
    )


class LawAreaForm(forms.Form):
    name = forms.CharField(label=_("名称"), required=False)
