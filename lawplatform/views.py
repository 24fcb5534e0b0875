from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

from common.home import home_tasks
from people.scope import is_exam_admin, is_leader


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page: my tasks for staff, the dashboard link for leaders, the admin for administrators."""
    context = {
        "is_exam_admin": is_exam_admin(request.user),
        "is_leader": is_leader(request.user),
        "tasks": home_tasks(request.user),
    }
    return render(request, "home.html", context)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: JSON under /api/ (as every API error is), the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。"), "code": "not_found"}, status=404)
    return page_not_found(request, exception or Exception())
