from __future__ import annotations

from rest_framework import serializers

from ..models import Notification


class NotificationOut(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "read", "created_at"]

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NudgeIn(serializers.Serializer):
    session = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    plan = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    preview = serializers.BooleanField(required=False, default=False)


class NudgeOut(serializers.Serializer):
    recipients = serializers.IntegerField()


class MarkedOut(serializers.Serializer):
    marked = serializers.IntegerField()
