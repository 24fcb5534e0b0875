from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy

from common.home import home_tasks
from common.workspace import workspace_sections
from people.permissions import admin_required
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


# The site's own error pages: (code for programs, title, what to do), in the site's language.
ERROR_PAGES = {
    400: ("bad_request", gettext_lazy("请求有误"), gettext_lazy("这个请求无法处理。请返回上一页后重试。")),
    403: (
        "permission_denied",
        gettext_lazy("没有权限"),
        gettext_lazy("你的账号没有访问这个页面的权限。如需访问，请联系考试管理员。"),
    ),
    404: (
        "not_found",
        gettext_lazy("页面不存在"),
        gettext_lazy("你要找的页面不存在，或者不在你可以查看的范围内。"),
    ),
    500: (
        "server_error",
        gettext_lazy("服务器出错"),
        gettext_lazy("服务器暂时出了问题，请稍后刷新重试。已经保存的作答不会丢失。"),
    ),
}
API_DETAILS = {
    400: gettext_lazy("请求有误。"),
    403: gettext_lazy("没有权限。"),
    404: gettext_lazy("未找到。"),
    500: gettext_lazy("服务器出错。"),
}


def error_page(request: HttpRequest | None, status: int) -> HttpResponse:
    """An error answer: JSON ``{detail, code}`` under /api/ (as every API error is), the site's page elsewhere.

    The 500 page is rendered without the request's context processors, so that it still renders
    when what failed was the database the navigation reads.
    """
    code, title, message = ERROR_PAGES[status]
    if request is not None and request.path.startswith("/api/"):
        return JsonResponse({"detail": str(API_DETAILS[status]), "code": code}, status=status)
    context = {"status": status, "title": title, "message": message}
    if status == 500 or request is None:
        return HttpResponse(render_to_string("error.html", context), status=status)
    return render(request, "error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 403)


@admin_required
def manage_home(request: HttpRequest) -> HttpResponse:
    """The exam administrators' workspace: a link to each app's section."""
    sections = [
        {"title": section.title, "description": section.description, "url": reverse(section.url_name)}
        for section in workspace_sections()
    ]
    return render(request, "manage/home.html", {"sections": sections})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(request, 500)
