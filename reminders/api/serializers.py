from __future__ import annotations

from rest_framework import serializers

from common.params import MAX_ROW_ID

from ..models import Notification
from ..services import CREDENTIAL_TARGETS


class NotificationOut(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "read", "created_at"]

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class NudgeIn(serializers.Serializer):
    """Exactly one of ``session``, ``plan``, ``credentials``."""

    session = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ROW_ID,
        help_text="An open exam session: remind the eligible in scope who have not submitted.",
    )
    plan = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ROW_ID,
        help_text="A study plan of this year: remind the people in scope who are behind on it.",
    )
    credentials = serializers.ChoiceField(
        required=False,
        choices=list(CREDENTIAL_TARGETS),
        help_text=(
            "Remind the people in scope whose enforcement credential is at risk: `at_risk` (any reason), "
            "or one reason: `expiring` (a current valid credential ending within 90 days), `suspended`, "
            "`review_failed` (annual review failed, not made good), `not_enforcing` (an enforcement "
            "officer who may not enforce). Asked again when the reminder is sent: someone who renewed "
            "meanwhile is skipped. One credentials nudge per caller an hour, whatever the list."
        ),
    )
    preview = serializers.BooleanField(
        required=False, default=False, help_text="Count the recipients without sending anything."
    )


class NudgeOut(serializers.Serializer):
    recipients = serializers.IntegerField()


class MarkedOut(serializers.Serializer):
    marked = serializers.IntegerField()
