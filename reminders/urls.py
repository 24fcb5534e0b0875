"""Web pages of the reminders, included at /reminders/ (app_name "reminders")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "reminders"
urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/unread/", views.inbox_unread, name="inbox_unread"),
    path("inbox/<int:pk>/read/", views.inbox_read, name="inbox_read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/", views.rule_detail, name="rule"),
    path("rules/<int:pk>/preview/", views.rule_preview, name="rule_preview"),
    path("rules/<int:pk>/pause/", views.rule_pause, name="rule_pause"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("nudge/", views.nudge, name="nudge"),
]
