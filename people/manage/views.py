"""Roster pages of the workspace (see the package docstring)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError
from common.uploads import spreadsheet_upload

from ..api.views import roster_template_response
from ..forms import DepartmentTreeChoiceField
from ..models import Department, User
from ..permissions import admin_required
from ..roster import roster_import
from ..scope import subtree_q
from ..selectors import department_list_for_user, staff_list_for_user
from ..services import department_create

PAGE_SIZE = 50


class StaffFilterForm(forms.Form):
    search = forms.CharField(label=gettext_lazy("姓名、工号或用户名"), required=False)
    department = DepartmentTreeChoiceField(
        label=gettext_lazy("单位（含下级单位）"),
        queryset=Department.objects.order_by("path"),
        required=False,
        empty_label=gettext_lazy("全部单位"),
    )


class DepartmentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("单位名称"), required=False, max_length=100)
    parent = DepartmentTreeChoiceField(
        label=gettext_lazy("上级单位"),
        queryset=Department.objects.order_by("path"),
        required=False,
        empty_label=gettext_lazy("（无，作为顶级单位）"),
    )


def _tree(user: User) -> list[tuple[Department, str, int]]:
    """Every department in tree order with the number of active staff in its whole subtree."""
    departments = list(department_list_for_user(user=user))
    direct = dict(
        User.objects.filter(is_active=True, department__isnull=False)
        .values_list("department_id")
        .annotate(n=Count("id"))
        .values_list("department_id", "n")
    )
    by_path = {department.path: direct.get(department.pk, 0) for department in departments}
    return [
        (
            department,
            "　" * (department.depth - 1),
            sum(n for path, n in by_path.items() if path.startswith(department.path)),
        )
        for department in departments
    ]


def _page(request: HttpRequest, department_form: DepartmentForm, status: int = 200) -> HttpResponse:
    user = cast(User, request.user)
    form = StaffFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    staff = staff_list_for_user(user=user)
    if data.get("department"):
        staff = staff.filter(subtree_q([data["department"].path], field="department__path"))
    if data.get("search"):
        text = data["search"].strip()
        staff = staff.filter(
            Q(name__icontains=text) | Q(employee_no__icontains=text) | Q(username__icontains=text)
        )
    page = Paginator(staff, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "form": form,
        "department_form": department_form,
        "tree": _tree(user),
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, "people/manage/roster.html", context, status=status)


@require_GET
@admin_required
def roster(request: HttpRequest) -> HttpResponse:
    return _page(request, DepartmentForm())


@require_POST
@admin_required
def department_add(request: HttpRequest) -> HttpResponse:
    form = DepartmentForm(request.POST)
    if form.is_valid():
        try:
            department = department_create(name=form.cleaned_data["name"], parent=form.cleaned_data["parent"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已添加单位“%(name)s”。") % {"name": department.name})
            return redirect("people_manage:roster")
    return _page(request, form, status=400)


@require_http_methods(["GET", "POST"])
@admin_required
def roster_upload(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "title": _("导入花名册"),
        "intro": _("按工号新增或更新人员，缺少的单位会自动创建；任何一行有错时不导入任何数据。"),
        "template_url": reverse("people_manage:roster_template"),
        "section_url": reverse("people_manage:roster"),
        "section_title": _("花名册"),
    }
    if request.method == "POST":
        result, refusal = spreadsheet_upload(
            request,
            lambda upload: roster_import(
                file=upload, filename=upload.name or "", actor=cast(User, request.user)
            ),
        )
        if result is not None:
            messages.success(
                request,
                _("导入完成：新增 %(c)s 人，更新 %(u)s 人，新增单位 %(d)s 个。")
                % {"c": result.created, "u": result.updated, "d": result.departments_created},
            )
            return redirect("people_manage:roster")
        return render(request, "manage/import.html", {**context, **refusal}, status=400)
    return render(request, "manage/import.html", context)


@require_GET
@admin_required
def roster_template(request: HttpRequest) -> HttpResponse:
    return roster_template_response("xlsx")
