from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("考试")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Exam, ExamRule, ExamSession, Question

        auditlog.register(Question, exclude_fields=["fingerprint", "updated_at"])
        auditlog.register(Exam)
        auditlog.register(ExamRule)
        auditlog.register(ExamSession, m2m_fields={"departments"})
