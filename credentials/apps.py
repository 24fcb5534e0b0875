from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "credentials"
    verbose_name = _("执法资格")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from rest_framework import serializers

        from common.home import register_nav_link, register_task_provider
        from exams.services import attempts_graded
        from people.staff_fields import StaffField, register_staff_field

        from .home import credential_tasks
        from .models import AnnualReview, Credential, ReviewHours, ReviewResult
        from .receivers import on_attempts_graded
        from .selectors import may_enforce_exists

        auditlog.register(Credential, exclude_fields=["token"])
        auditlog.register(ReviewResult)
        auditlog.register(AnnualReview)
        auditlog.register(ReviewHours)

        attempts_graded.connect(on_attempts_graded, dispatch_uid="credentials.attempts_graded")

        register_staff_field(
            StaffField(
                name="may_enforce",
                label=_("可以执法"),
                expression=lambda: may_enforce_exists(),
                serializer_field=lambda: serializers.BooleanField(
                    read_only=True,
                    help_text=_("持有有效、未过期、年审合格且有合格资格考试答卷支持的执法资格。"),
                ),
            )
        )
        register_task_provider(credential_tasks)
        # One link for everyone (no query to decide it); the register is reached from that page and,
        # for leaders and administrators, from the home page.
        register_nav_link(title=_("执法资格"), url_name="credentials:mine")
