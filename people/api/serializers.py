from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Department, User
from ..scope import is_exam_admin, roles
from ..staff_fields import staff_field_values, staff_fields


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "parent", "depth", "path"]
        read_only_fields = ["depth", "path"]


class DepartmentInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    # A field named like Serializer.parent: DRF's metaclass moves it into the declared fields.
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Department.objects.all(), allow_null=True, required=False
    )


class MeSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(allow_null=True)
    roles = serializers.SerializerMethodField()
    leader_of = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "department", "roles", "is_enforcement_officer", "leader_of"]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(["staff", "exam_admin", "leader"]))
    )
    def get_roles(self, user: User) -> list[str]:
        return roles(user)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_leader_of(self, user: User) -> list[int]:
        return sorted(department.pk for department in user.leader_of.all())


class StaffSerializer(serializers.ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), allow_null=True)
    leader_of = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), many=True, required=False
    )
    password = serializers.CharField(
        write_only=True, required=False, min_length=8, style={"input_type": "password"}
    )
    is_exam_admin = serializers.BooleanField(required=False, help_text=_("是否为考试管理员"))

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "department",
            "password",
            "employee_no",
            "email",
            "is_enforcement_officer",
            "is_active",
            "leader_of",
            "is_exam_admin",
        ]
        extra_kwargs = {"name": {"required": True, "allow_blank": False}}

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for extra in staff_fields():  # read-only fields registered by apps above people
            fields[extra.name] = extra.serializer_field()
        return fields

    def to_representation(self, instance: User) -> dict[str, Any]:
        extra = staff_field_values(instance)
        data = super().to_representation(instance)
        data["is_exam_admin"] = is_exam_admin(instance)
        data.update(extra)
        return data


class RosterImportInSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_(".xlsx 或 .csv，表头见导入模板"))


class RosterImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    departments_created = serializers.IntegerField()
    import_id = serializers.IntegerField()


class TokenLoginInSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class LoginLockedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    locked_until = serializers.DateTimeField()
    retry_after = serializers.IntegerField(help_text=_("多少秒后可以再试"))
