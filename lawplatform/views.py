from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from people.scope import is_exam_admin, is_leader

from .home import home_tasks


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page: my tasks for staff, the dashboard link for leaders, the admin for administrators."""
    context = {
        "is_exam_admin": is_exam_admin(request.user),
        "is_leader": is_leader(request.user),
        "tasks": home_tasks(request.user),
    }
    return render(request, "home.html", context)
