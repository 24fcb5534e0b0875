from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .views import (
    ActivitySignInView,
    ActivityViewSet,
    CourseViewSet,
    LessonViewSet,
    MyPlanView,
    MyStudyHoursView,
    PreMeetingCheckView,
    StudyHoursViewSet,
    StudyPlanViewSet,
)

router = SimpleRouter()
router.register("courses", CourseViewSet, basename="course")
router.register("lessons", LessonViewSet, basename="lesson")
router.register("study-plans", StudyPlanViewSet, basename="study-plan")
router.register("study-hours", StudyHoursViewSet, basename="study-hours")
router.register("activities", ActivityViewSet, basename="activity")

urlpatterns: list[URLPattern | URLResolver] = [
    path("my-plan/", MyPlanView.as_view(), name="my-plan"),
    path("my-study-hours/", MyStudyHoursView.as_view(), name="my-study-hours"),
    path("activity-sign-ins/", ActivitySignInView.as_view(), name="activity-sign-in"),
    path("pre-meeting-check/", PreMeetingCheckView.as_view(), name="pre-meeting-check"),
    *router.urls,
]
