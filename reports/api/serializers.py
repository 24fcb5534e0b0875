"""Output shapes of the reports API (for the schema; the views return the selectors' plain data)."""

from rest_framework import serializers

from exams.api.serializers import ErrorSerializer

__all__ = [
    "AnnualFiguresSerializer",
    "CredentialPersonSerializer",
    "CredentialReportSerializer",
    "ErrorSerializer",
    "ParticipationSerializer",
    "PersonRowSerializer",
    "PublishInSerializer",
    "StudySerializer",
]


class FiguresSerializer(serializers.Serializer):
    eligible = serializers.IntegerField()
    participated = serializers.IntegerField()
    passed = serializers.IntegerField()
    participation_rate = serializers.FloatField(help_text="participated / eligible, 0 when eligible is 0")
    pass_rate = serializers.FloatField(help_text="passed / participated, 0 when participated is 0")


class DepartmentFiguresSerializer(FiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]
    depth = serializers.IntegerField()


class ParticipationSerializer(serializers.Serializer):
    title = serializers.CharField()
    sessions = serializers.ListField(child=serializers.IntegerField())
    totals = FiguresSerializer()
    departments = DepartmentFiguresSerializer(many=True, help_text="Each department over its whole subtree.")


class StudyFiguresSerializer(serializers.Serializer):
    people = serializers.IntegerField(help_text="active people a study plan of the year applies to")
    courses_done = serializers.IntegerField()
    completion_rate = serializers.FloatField()
    hours_met = serializers.IntegerField()
    hours_rate = serializers.FloatField(help_text="学时达标率: hours_met / people")
    hours_mean = serializers.CharField()
    required_mean = serializers.CharField()


class DepartmentStudySerializer(StudyFiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]
    depth = serializers.IntegerField()


class StudySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    totals = StudyFiguresSerializer()
    departments = DepartmentStudySerializer(many=True)


class CredentialFiguresSerializer(serializers.Serializer):
    valid = serializers.IntegerField(help_text="credentials of active people, by status")
    suspended = serializers.IntegerField()
    revoked = serializers.IntegerField()
    expiring = serializers.IntegerField(
        help_text="current valid credentials ending today to `expiring_before`"
    )
    review_failed = serializers.IntegerField(
        help_text="valid or suspended credentials failed in annual review"
    )
    officers = serializers.IntegerField(help_text="active enforcement officers")
    officers_not_enforcing = serializers.IntegerField(help_text="officers who may not enforce today")
    at_risk = serializers.IntegerField(help_text="people with a credential at risk, each once")


class DepartmentCredentialsSerializer(CredentialFiguresSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]
    depth = serializers.IntegerField()


class CredentialReportSerializer(serializers.Serializer):
    today = serializers.DateField()
    expiring_before = serializers.DateField(help_text="the first day after the expiry window (90 days)")
    totals = CredentialFiguresSerializer()
    departments = DepartmentCredentialsSerializer(
        many=True, help_text="Each department over its whole subtree."
    )


class PersonRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    employee_no = serializers.CharField(allow_null=True)
    department = serializers.CharField(allow_null=True)


class CredentialPersonSerializer(PersonRowSerializer):
    risks = serializers.ListField(
        child=serializers.ChoiceField(choices=["expiring", "suspended", "review_failed", "not_enforcing"])
    )
    credential = serializers.DictField(
        allow_null=True, help_text="The current credential: id, number, status, valid_until (null for none)."
    )


class AnnualFiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    figures = serializers.DictField(help_text="The year's figures, counted now over the caller's scope.")
    sentences = serializers.ListField(child=serializers.CharField())
    published = serializers.DictField(
        allow_null=True, help_text="The latest published snapshot: published_at, published_by, figures."
    )


class PublishInSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
