"""The rule form of the app's pages and of the admin: the service checks it (``rule_check``), and a
refusal shows on the field it names."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import BLANK_CHOICE_DASH
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError

from . import services
from .models import EVENT_TARGET, Event, ReminderRule

RULE_FIELDS = [
    "event",
    "session",
    "plan",
    "activity",
    "offset_minutes",
    "fixed_at",
    "departments",
    "enforcement_officers_only",
    "via_inbox",
    "via_email",
    "via_webhook",
    "title",
    "body",
    "is_active",
]


class RuleForm(forms.ModelForm):
    class Meta:
        model = ReminderRule
        fields = RULE_FIELDS
        widgets = {
            "fixed_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "body": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "title": _(
                "可用占位符：{姓名}、{考试名称}、{课程名称}、{截止时间}、{链接}；"
                "执法资格提醒：{姓名}、{证号}、{截止时间}、{链接}。"
            ),
            "offset_minutes": _(
                "相对于对象自身时间（考试开始或截止、计划年底、活动当天 9:00、交卷时间、"
                "执法证有效期最后一天或年审日期 9:00）的分钟数，"
                "负数表示之前，如 -1440 为前一天。填写固定时间时不用此项。"
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # only the moments a rule can wait for (a nudge's own event is none of them)
        event = cast(forms.ChoiceField, self.fields["event"])
        event.choices = [
            *BLANK_CHOICE_DASH,
            *((value, label) for value, label in Event.choices if value in EVENT_TARGET),
        ]

    def rule_in(self) -> services.RuleIn:
        data: dict[str, Any] = self.cleaned_data
        return services.RuleIn(
            target=EVENT_TARGET.get(data.get("event") or "", ""),
            departments=list(data.get("departments") or []),
            **{name: data.get(name) for name in RULE_FIELDS if name not in {"event", "departments"}},  # type: ignore[arg-type]
            event=data.get("event") or "",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            services.rule_check(self.rule_in())
        except DomainError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)
        return data

    def save_rule(self, *, actor: Any) -> ReminderRule:
        if self.instance.pk is None:
            return services.rule_create(data=self.rule_in(), actor=actor)
        return services.rule_update(rule=self.instance, data=self.rule_in())
