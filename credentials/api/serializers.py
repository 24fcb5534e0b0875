"""Serializers of the credentials API: thin shapes over the models and selectors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exams.api.serializers import ErrorSerializer
from people.models import Department

from ..links import verify_url
from ..models import Credential, CredentialEvent, CredentialStatus, ReviewStanding

__all__ = ["CredentialSerializer", "ErrorSerializer"]


class CredentialSerializer(serializers.ModelSerializer):
    holder_name = serializers.CharField(source="holder.display_name", read_only=True)
    department = serializers.SerializerMethodField()
    session: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
    attempt: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
    flagged = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Credential
        fields = [
            "id",
            "number",
            "holder",
            "holder_name",
            "department",
            "status",
            "valid_from",
            "valid_until",
            "law_areas",
            "review_standing",
            "flagged",
            "session",
            "attempt",
            "superseded_by",
            "granted_at",
            "verify_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(allow_null=True, help_text=_("持证人所在单位 {id, name}")))
    def get_department(self, credential: Credential) -> dict[str, Any] | None:
        department = credential.holder.department
        return {"id": department.pk, "name": department.name} if department is not None else None

    @extend_schema_field(serializers.BooleanField(help_text=_("重新评分后答卷不合格，待管理员决定。")))
    def get_flagged(self, credential: Credential) -> bool:
        return credential.flagged_at is not None

    @extend_schema_field(serializers.URLField(help_text=_("公开核验页面的地址（二维码指向这里）。")))
    def get_verify_url(self, credential: Credential) -> str:
        return verify_url(credential, request=self.context.get("request"))


class CredentialEventSerializer(serializers.ModelSerializer):
    actor: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = CredentialEvent
        fields = ["id", "action", "actor", "at", "reason", "before", "after"]
        read_only_fields = fields


class CredentialDetailSerializer(CredentialSerializer):
    events = serializers.SerializerMethodField()

    class Meta(CredentialSerializer.Meta):
        fields = [*CredentialSerializer.Meta.fields, "events"]
        read_only_fields = fields

    @extend_schema_field(CredentialEventSerializer(many=True))
    def get_events(self, credential: Credential) -> list[dict[str, Any]]:
        return CredentialEventSerializer(credential.events.order_by("at", "id"), many=True).data  # type: ignore[return-value]


class CredentialFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CredentialStatus.choices, required=False)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, help_text=_("单位（含下级单位）")
    )
    expiring_before = serializers.DateField(
        required=False, help_text=_("有效或暂扣、有效期在此日期之前届满的")
    )
    review_standing = serializers.ChoiceField(choices=ReviewStanding.choices, required=False)
    flagged = serializers.BooleanField(required=False, allow_null=True, default=None)
    search = serializers.CharField(required=False, allow_blank=True, max_length=100)
    current = serializers.BooleanField(required=False, default=False, help_text=_("只列未被换发的"))


class ReasonInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("原因（必填，记入审计记录）"))


class BulkGrantInSerializer(serializers.Serializer):
    session = serializers.IntegerField(help_text=_("已结束的行政执法资格考试场次"))
    preview = serializers.BooleanField(default=False)


class BulkGrantSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    preview = serializers.BooleanField()
    count = serializers.IntegerField(help_text=_("预览：将授予的人数；执行：已授予的人数"))
    holders = serializers.ListField(child=serializers.DictField(), help_text=_("[{attempt, holder, name}]"))
