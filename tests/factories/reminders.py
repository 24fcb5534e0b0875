"""Factories for the reminders. Rules are made through ``reminders.services.rule_create``, so they are
checked as an administrator's would be."""

from __future__ import annotations

from typing import Any

import factory

from reminders.models import Event, ReminderRule, Target
from reminders.services import RuleIn, rule_create

from .exams import ExamSessionFactory

__all__ = ["SessionRuleFactory"]


class SessionRuleFactory(factory.django.DjangoModelFactory):
    """A rule on a session: by default an inbox reminder when the session opens."""

    class Meta:
        model = ReminderRule

    target = Target.SESSION
    event = Event.SESSION_OPENS
    session = factory.SubFactory(ExamSessionFactory)
    offset_minutes = 0
    title = "考试通知：{考试名称}"
    body = "{姓名}，请于{截止时间}前参加{考试名称}。{链接}"

    @classmethod
    def _create(cls, model_class: type[ReminderRule], *args: Any, **kwargs: Any) -> ReminderRule:
        actor = kwargs.pop("created_by", None)
        return rule_create(data=RuleIn(**kwargs), actor=actor)
