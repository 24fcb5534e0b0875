from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("课程与学时")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from common.home import register_nav_link, register_task_provider
        from people.scope import is_exam_admin

        from .home import plan_tasks
        from .models import PlanCourse, StudyActivity, StudyPlan

        auditlog.register(StudyPlan, m2m_fields={"departments"})
        auditlog.register(PlanCourse)
        auditlog.register(StudyActivity, m2m_fields={"attendees"})

        def admin_only(user: Any) -> bool:
            return is_exam_admin(user)

        register_nav_link(title=_("课程"), url_name="courses:catalogue")
        register_nav_link(title=_("我的学时"), url_name="courses:my_study")
        register_nav_link(title=_("学法活动"), url_name="courses:activity_list", visible=admin_only)
        register_nav_link(title=_("会前学法检查"), url_name="courses:pre_meeting_check", visible=admin_only)
        register_task_provider(plan_tasks)
