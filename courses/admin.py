from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, ValidationFailed
from people.models import User

from . import services
from .forms import ActivityForm
from .models import (
    ActivityAttendance,
    Course,
    CourseCompletion,
    Lesson,
    LessonAttachment,
    LessonProgress,
    PlanCourse,
    StudyActivity,
    StudyHoursEntry,
    StudyPlan,
)


class LessonInline(admin.TabularInline):
    model = Lesson
    fields = ["position", "title", "min_study_seconds"]
    extra = 0
    show_change_link = True


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        # Every field: the admin decides which it shows (fields named here would be the only ones).
        fields = "__all__"  # noqa: DJ007

    def clean_quiz(self) -> Any:
        quiz = self.cleaned_data.get("quiz")
        if quiz is not None and quiz.listed_in_practice:
            # A quiz listed in practice could be taken from 练习 before a single lesson is read.
            raise ValidationError(
                _("结课测验须是不列入练习的练习卷：请先取消该练习卷的“列入练习”。"),
                code="quiz_listed_in_practice",
            )
        return quiz


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    form = CourseForm
    list_display = ["title", "law_area", "study_hours", "is_published", "quiz_required", "position"]
    list_filter = ["law_area", "is_published"]
    search_fields = ["title"]
    list_editable = ["position"]
    inlines = [LessonInline]


class LessonAttachmentInline(admin.TabularInline):
    model = LessonAttachment
    extra = 0


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "position", "min_study_seconds"]
    list_filter = ["course"]
    search_fields = ["title", "body", "articles"]
    ordering = ["course", "position"]
    inlines = [LessonAttachmentInline]

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.base_fields["body"].widget = forms.Textarea(attrs={"rows": 30, "cols": 100})
        form.base_fields["articles"].widget = forms.Textarea(attrs={"rows": 4, "cols": 100})
        return form


class PlanCourseFormSet(BaseInlineFormSet):
    """Check the plan's courses with the service's own rule, so the admin refuses what the API refuses."""

    def entries(self) -> list[services.PlanCourseIn]:
        return [
            services.PlanCourseIn(
                course=form.cleaned_data["course"],
                required=form.cleaned_data.get("required", False),
                due_on=form.cleaned_data.get("due_on"),
            )
            for form in self.forms
            if form.cleaned_data and form.cleaned_data.get("course") and not form.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        year = self.instance.year or timezone.localdate().year
        try:
            services.plan_courses_check(year=year, courses=self.entries())
        except ValidationFailed as error:
            raise ValidationError(error.message) from error


class PlanCourseInline(admin.TabularInline):
    model = PlanCourse
    formset = PlanCourseFormSet
    extra = 1
    autocomplete_fields = ["course"]


@admin.register(StudyPlan)
class StudyPlanAdmin(admin.ModelAdmin):
    list_display = ["year", "title", "required_hours"]
    list_filter = ["year"]
    filter_horizontal = ["departments"]
    inlines = [PlanCourseInline]

    def save_model(self, request: Any, obj: StudyPlan, form: Any, change: bool) -> None:
        # Saved with its audience and courses in save_related, through the one service that checks them.
        pass

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        courses_formset = next(fs for fs in formsets if isinstance(fs, PlanCourseFormSet))
        plan = services.study_plan_save(
            plan=form.instance if change else None,
            year=form.cleaned_data["year"],
            title=form.cleaned_data["title"],
            required_hours=form.cleaned_data["required_hours"],
            departments=form.cleaned_data["departments"],
            courses=courses_formset.entries(),
        )
        form.instance.pk = plan.pk
        # The formset was not saved by the admin, so it has no record of saved objects; the audit
        # log has every change, and the admin's history message need not repeat them.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class AttendanceInline(admin.TabularInline):
    model = ActivityAttendance
    fields = ["person", "method", "recorded_by", "recorded_at"]
    readonly_fields = ["person", "method", "recorded_by", "recorded_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class StudyActivityForm(ActivityForm):
    """The page's form, checked with the service's own rule so the admin refuses what the page refuses."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                services.activity_check(services.ActivityIn.from_values(data))
            except ValidationFailed as error:
                raise ValidationError(
                    {error.field: error.message} if error.field in self.fields else error.message
                ) from error
        return data


@admin.register(StudyActivity)
class StudyActivityAdmin(admin.ModelAdmin):
    """Attendees are recorded on the activity page (by department, by number, or by sign-in)."""

    list_display = ["held_on", "kind", "title", "speaker", "hours"]
    list_filter = ["kind", "held_on"]
    search_fields = ["title", "speaker", "topic", "place"]
    date_hierarchy = "held_on"
    form = StudyActivityForm
    inlines = [AttendanceInline]

    def save_model(self, request: Any, obj: StudyActivity, form: Any, change: bool) -> None:
        data = services.ActivityIn.from_values(form.cleaned_data)
        if change:
            saved = services.activity_update(activity=obj, data=data)
        else:
            saved = services.activity_create(data=data, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request: Any, obj: StudyActivity) -> None:
        services.activity_delete(activity=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(StudyHoursEntry)
class StudyHoursEntryAdmin(ReadOnlyAdmin):
    """The ledger is append-only: no line is added, edited or deleted here by hand; a wrong line is
    reversed with a reason (``services.study_hours_entry_reverse``)."""

    list_display = ["person", "year", "source", "title", "hours", "earned_at", "reason", "recorded_by"]
    list_filter = ["year", "source"]
    search_fields = ["person__name", "person__employee_no", "title"]
    list_select_related = ["person", "recorded_by"]
    actions = ["reverse"]

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("冲销所选学时记录（需填写原因）"))
    def reverse(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        """Ask for the reason, then add one reversing line for each selected line, all or none."""
        entries = list(queryset.select_related("person").order_by("pk"))
        reason = request.POST.get("reason", "")
        error = ""
        if "apply" in request.POST:
            try:
                with transaction.atomic():
                    for entry in entries:
                        services.study_hours_entry_reverse(
                            entry_id=entry.pk,
                            reason=reason,
                            actor=cast(User, request.user),
                            now=timezone.now(),
                        )
            except DomainError as refused:
                error = refused.message
            else:
                self.message_user(
                    request, _("已冲销 %(n)s 条学时记录。") % {"n": len(entries)}, messages.SUCCESS
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("冲销学时记录"),
            "opts": self.model._meta,
            "entries": entries,
            "reason": reason,
            "error": error,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/courses/studyhoursentry/reverse.html", context)


@admin.register(LessonProgress)
class LessonProgressAdmin(ReadOnlyAdmin):
    list_display = ["user", "lesson", "seconds_spent", "end_reached_at", "completed_at"]
    search_fields = ["user__name", "user__employee_no", "lesson__title"]
    list_select_related = ["user", "lesson"]


@admin.register(CourseCompletion)
class CourseCompletionAdmin(ReadOnlyAdmin):
    list_display = ["user", "course", "completed_at"]
    list_filter = ["course"]
    search_fields = ["user__name", "user__employee_no"]
    list_select_related = ["user", "course"]
