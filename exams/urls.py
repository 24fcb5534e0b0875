from django.urls import URLPattern, URLResolver

app_name = "exams"
urlpatterns: list[URLPattern | URLResolver] = []
