"""Web pages of credentials (app_name "credentials"), included at the site's root: the pages under
/credentials/ and the public verification page /verify/<token>/."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "credentials"
urlpatterns: list[URLPattern | URLResolver] = [
    path("credentials/", views.mine, name="mine"),
    path("credentials/register/", views.register_list, name="register"),
    path("credentials/bulk-grant/", views.bulk_grant, name="bulk_grant"),
    path("credentials/reviews/", views.reviews, name="reviews"),
    path("credentials/<int:pk>/", views.detail, name="detail"),
    path("credentials/<int:pk>/certificate/", views.certificate_page, name="certificate"),
    path("credentials/<int:pk>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("credentials/<int:pk>/<str:act>/", views.transition, name="transition"),
    path("verify/<str:token>/", views.verify, name="verify"),
]
