from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "courses"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.catalogue, name="catalogue"),
    path("<int:pk>/", views.course_detail, name="course_detail"),
    path("<int:pk>/quiz/", views.quiz_start, name="quiz_start"),
    path("lessons/<int:pk>/", views.lesson_read, name="lesson"),
    path("my/", views.my_study, name="my_study"),
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/attendees/", views.activity_attendees_add, name="activity_attendees_add"),
    path(
        "activities/<int:pk>/attendees/<int:person_id>/remove/",
        views.activity_attendee_remove,
        name="activity_attendee_remove",
    ),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("activities/<int:pk>/sign-in/", views.activity_sign_in_open, name="activity_sign_in_open"),
    path("sign-in-sheets/<int:pk>/", views.sign_in_sheet, name="sign_in_sheet"),
    path("sign-in/", views.sign_in_code, name="sign_in_code"),
    path("sign-in/<str:token>/", views.sign_in, name="sign_in"),
    path("pre-meeting-check/", views.pre_meeting_check, name="pre_meeting_check"),
]
