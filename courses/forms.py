from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from people.forms import DepartmentTreeField
from people.models import Department

from .models import StudyActivity
from .services import ACTIVITY_FIELDS, FIELDS_BY_KIND


class ActivityForm(forms.ModelForm):
    class Meta:
        model = StudyActivity
        fields = ACTIVITY_FIELDS
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "materials": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Mark each kind-specific field with the kinds it belongs to (``data-kinds``), so the page
        shows the fields of the chosen kind only; without JavaScript every field shows."""
        super().__init__(*args, **kwargs)
        for name in self.fields:
            kinds = [kind for kind, names in FIELDS_BY_KIND.items() if name in names]
            if kinds:
                self.fields[name].widget.attrs["data-kinds"] = " ".join(kinds)


class BulkAttendeesForm(forms.Form):
    departments = DepartmentTreeField(
        label=_("按单位登记（含下级单位的全部在职人员）"),
        queryset=Department.objects.order_by("path"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    employee_nos = forms.CharField(
        label=_("或逐人登记：工号，多个用空格、逗号或换行分隔"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if not data.get("departments") and not (data.get("employee_nos") or "").strip():
            raise forms.ValidationError(_("请选择单位或填写工号。"))
        return data


class SignInOpenForm(forms.Form):
    minutes = forms.IntegerField(label=_("签到开放时长（分钟）"), min_value=1, max_value=24 * 60, initial=30)


class SignInCodeForm(forms.Form):
    code = forms.CharField(label=_("签到码"), max_length=12)
