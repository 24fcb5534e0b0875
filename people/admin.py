from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from common.errors import ValidationFailed

from .api.views import roster_template_response
from .models import Department, RosterImport, User
from .roster import roster_import
from .services import department_create, department_update


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "parent", "depth"]
    search_fields = ["name"]
    readonly_fields = ["path", "depth"]
    autocomplete_fields = ["parent"]

    @admin.display(description=_("名称"), ordering="path")
    def indented_name(self, obj: Department) -> str:
        return "　" * (obj.depth - 1) + obj.name

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            department_update(department=obj, name=obj.name, parent=form.cleaned_data.get("parent"))
        else:
            created = department_create(name=obj.name, parent=obj.parent)
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "employee_no", "department", "is_enforcement_officer", "is_active"]
    list_filter = ["is_enforcement_officer", "is_active", "is_superuser", "groups"]
    search_fields = ["username", "name", "employee_no"]
    autocomplete_fields = ["department"]
    filter_horizontal = ["groups", "user_permissions", "leader_of"]
    ordering = ["employee_no", "id"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("人员信息"), {"fields": ("name", "employee_no", "department", "is_enforcement_officer", "email")}),
        (_("角色与权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "leader_of")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "employee_no", "department", "password1", "password2"),
            },
        ),
    )


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = [
        "filename",
        "actor",
        "created_at",
        "created_count",
        "updated_count",
        "departments_created",
    ]
    readonly_fields = [f.name for f in RosterImport._meta.fields] + ["changes"]
    change_list_template = "admin/people/rosterimport/change_list.html"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="people_rosterimport_upload"),
            path(
                "template/<str:kind>/",
                self.admin_site.admin_view(self.template_view),
                name="people_rosterimport_template",
            ),
            *super().get_urls(),
        ]

    def template_view(self, request, kind):  # type: ignore[no-untyped-def]
        return roster_template_response(kind)

    def upload_view(self, request):  # type: ignore[no-untyped-def]
        """Upload a roster file; on any bad row show every fault and import nothing."""
        errors: list = []
        detail = ""
        if request.method == "POST" and request.FILES.get("file"):
            upload = request.FILES["file"]
            try:
                result = roster_import(file=upload, filename=upload.name, actor=request.user)
            except ValidationFailed as error:
                detail, errors = error.message, error.errors or []
            else:
                self.message_user(
                    request,
                    _("导入完成：新增 %(c)s 人，更新 %(u)s 人，新增单位 %(d)s 个。")
                    % {"c": result.created, "u": result.updated, "d": result.departments_created},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:people_rosterimport_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("导入花名册"),
            "errors": errors,
            "detail": detail,
        }
        return TemplateResponse(request, "admin/people/rosterimport/upload.html", context)
