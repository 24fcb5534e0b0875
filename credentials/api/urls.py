"""Credentials API routes, included at /api/v1/. URL names: credential-list, credential-detail,
credential-suspend, credential-restore, credential-revoke, credential-bulk-grant."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .views import BulkGrantView, CredentialViewSet

router = SimpleRouter()
router.register("credentials", CredentialViewSet, basename="credential")

urlpatterns: list[URLPattern | URLResolver] = [
    path("credentials/bulk-grant/", BulkGrantView.as_view(), name="credential-bulk-grant"),
    *router.urls,
]
