from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import ValidationFailed

from .api.views import roster_template_response
from .logins import locked_until, login_unlock, tokens_revoke
from .models import Department, LoginLock, RosterImport, User
from .roster import roster_import
from .scope import is_exam_admin
from .services import department_create, department_update
from .staff_fields import annotate_staff, staff_fields


class PasswordSetForm(AdminPasswordChangeForm):
    """The admin's password form: Django's validators run in it; a new password ends the API tokens."""

    def save(self, commit: bool = True) -> User:  # type: ignore[override]
        user = super().save(commit=commit)
        tokens_revoke(users=[user])
        return user


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
    list_select_related = ["department"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("人员信息"), {"fields": ("name", "employee_no", "department", "is_enforcement_officer", "email")}),
        (_("角色与权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "leader_of")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    change_password_form = PasswordSetForm
    actions = ["unlock_logins"]
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "employee_no", "department", "password1", "password2"),
            },
        ),
    )

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The same rule as the staff API and the roster import: a superuser's account is a superuser's.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # People are deactivated, never deleted: their study hours, attendance and attempts stay.
        return False

    def delete_view(self, request, object_id, extra_context=None):  # type: ignore[no-untyped-def]
        self.message_user(
            request,
            _("人员不能删除：其学时、签到和答卷记录必须保留。请取消勾选“有效”以停用该账号。"),
            messages.ERROR,
        )
        return HttpResponseRedirect(reverse("admin:people_user_change", args=[object_id]))

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            tokens_revoke(users=[obj])

    @admin.action(description=_("解除登录锁定"))
    def unlock_logins(self, request, queryset):  # type: ignore[no-untyped-def]
        count = login_unlock(usernames=queryset.values_list("username", flat=True), actor=request.user)
        self.message_user(request, _("已解除 %(n)s 个账号的登录锁定。") % {"n": count}, messages.SUCCESS)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return annotate_staff(super().get_queryset(request))

    def get_list_display(self, request):  # type: ignore[no-untyped-def]
        """The roster's columns, then one per field registered by apps above people (``people.staff_fields``)."""
        return [*super().get_list_display(request), *(_staff_column(field) for field in staff_fields())]


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    """Failed logins per account and address; an administrator lifts a lock with the action."""

    list_display = ["username_", "ip_address_", "failures", "last_failure", "locked_until_"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    actions = ["unlock"]

    @admin.display(description=_("用户名"), ordering="username")
    def username_(self, obj: LoginLock) -> str:
        return obj.username or ""

    @admin.display(description=_("地址"), ordering="ip_address")
    def ip_address_(self, obj: LoginLock) -> str:
        return obj.ip_address or ""

    @admin.display(description=_("失败次数"), ordering="failures_since_start")
    def failures(self, obj: LoginLock) -> int:
        return obj.failures_since_start

    @admin.display(description=_("最近一次失败"), ordering="attempt_time")
    def last_failure(self, obj: LoginLock) -> str:
        return timezone.localtime(obj.attempt_time).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description=_("锁定至"))
    def locked_until_(self, obj: LoginLock) -> str:
        until = locked_until(username=obj.username or "", now=timezone.now())
        return timezone.localtime(until).strftime("%Y-%m-%d %H:%M:%S") if until else "—"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_unlock_permission(self, request):  # type: ignore[no-untyped-def]
        return is_exam_admin(request.user)

    @admin.action(description=_("解除登录锁定"), permissions=["unlock"])
    def unlock(self, request, queryset):  # type: ignore[no-untyped-def]
        count = login_unlock(usernames=queryset.values_list("username", flat=True), actor=request.user)
        self.message_user(
            request,
            _("已解除 %(n)s 个账号的登录锁定（锁定 %(m)s 分钟后也会自动解除）。")
            % {"n": count, "m": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
            messages.SUCCESS,
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
        if not is_exam_admin(request.user):
            raise PermissionDenied
        return roster_template_response(kind)

    def upload_view(self, request):  # type: ignore[no-untyped-def]
        """Upload a roster file; on any bad row show every fault and import nothing.

        The same permission as ``POST /api/v1/staff/import/``: exam administrators only, not every
        member of the admin's staff.
        """
        if not is_exam_admin(request.user):
            raise PermissionDenied
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
            "intro": _("按工号新增或更新人员；单位按“局/处/科”路径自动创建。任何一行有错时不导入任何数据。"),
            "template_url": reverse("admin:people_rosterimport_template", args=["xlsx"]),
            "errors": errors,
            "detail": detail,
        }
        return TemplateResponse(request, "admin/import.html", context)


def _staff_column(field):  # type: ignore[no-untyped-def]
    def column(obj: User):  # type: ignore[no-untyped-def]
        return getattr(obj, field.name, None)

    column.__name__ = field.name
    return admin.display(description=field.label, boolean=field.boolean)(column)
