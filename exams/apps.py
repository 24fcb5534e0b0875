from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("考试")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Exam, ExamRule, ExamSession, LawArea, Question

        auditlog.register(Question, exclude_fields=["fingerprint", "updated_at"])
        auditlog.register(Exam)
        auditlog.register(LawArea)
        auditlog.register(ExamRule)
        auditlog.register(ExamSession, m2m_fields={"departments"})

        from common.home import register_nav_link, register_task_provider

        from .home import exam_tasks

        register_nav_link(title=_("我的考试"), url_name="exams:my_exams")
        register_nav_link(title=_("练习"), url_name="exams:practice")
        register_nav_link(title=_("错题本"), url_name="exams:mistakes")
        register_task_provider(exam_tasks)

        from common.workspace import register_workspace_section

        register_workspace_section(
            title=_("考试场次"),
            description=_("安排场次、提前结束或延长、现场看板和成绩"),
            url_name="exams_manage:sessions",
            order=10,
        )
        register_workspace_section(
            title=_("试卷"),
            description=_("创建和修改试卷及组卷规则，对照题库各题型、各领域的题数"),
            url_name="exams_manage:exams",
            order=20,
        )
        register_workspace_section(
            title=_("题库"),
            description=_("浏览、搜索、编辑、停用、导入导出试题，更正答案并重新评分"),
            url_name="exams_manage:questions",
            order=30,
        )
        register_workspace_section(
            title=_("法律领域"),
            description=_("试题、组卷规则和课程的分类"),
            url_name="exams_manage:law_areas",
            order=50,
        )
