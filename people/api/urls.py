from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import DepartmentViewSet, MeView, StaffViewSet

router = SimpleRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("staff", StaffViewSet, basename="staff")

urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]
