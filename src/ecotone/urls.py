from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from ecotone.api.schema_view import SchemaView
from ecotone.ecosystems import views as ecosystem_views

from . import health

# The admin signs in through allauth, so MFA and lockout apply to it too.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Ecotone"

urlpatterns = [
    path("", ecosystem_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/profile/", ecosystem_views.profile, name="profile"),
    path("accounts/api-token/", ecosystem_views.api_token, name="api_token"),
    path(
        "accounts/sign-out-everywhere/",
        ecosystem_views.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    path("accounts/", include("allauth.urls")),
    path("invitations/<str:token>/", ecosystem_views.invitation_accept, name="invitation_accept"),
    path("e/<slug:ecosystem_slug>/programs/", include("ecotone.directory.urls")),
    path("e/<slug:ecosystem_slug>/listings/", include("ecotone.directory.listings.urls")),
    path("e/<slug:ecosystem_slug>/pathways/", include("ecotone.pathways.urls")),
    path("e/<slug:ecosystem_slug>/badges/", include("ecotone.pathways.badge_urls")),
    path("badges/", include("ecotone.pathways.credential_urls")),
    path("e/<slug:ecosystem_slug>/network/", include("ecotone.network.urls")),
    path("e/<slug:ecosystem_slug>/atlas/", include("ecotone.atlas.urls")),
    path("e/<slug:ecosystem_slug>/measures/", include("ecotone.measures.urls")),
    path("e/<slug:ecosystem_slug>/mentoring/", include("ecotone.mentoring.urls")),
    path("e/<slug:ecosystem_slug>/quality/", include("ecotone.quality.urls")),
    path("e/<slug:ecosystem_slug>/challenges/", include("ecotone.challenges.urls")),
    path("e/<slug:ecosystem_slug>/", include("ecotone.ecosystems.urls")),
    path("n/<slug:network_slug>/", ecosystem_views.network_detail, name="network"),
    path(
        "n/<slug:network_slug>/measures/",
        include(("ecotone.measures.views.network", "network_measures")),
    ),
    path("api/v1/", include("ecotone.api.urls")),
    # Open Referral HSDS 3.0, one API per ecosystem's directory (ecotone/directory/hsds/views.py).
    path("api/hsds/<slug:ecosystem_slug>/", include("ecotone.directory.hsds.urls")),
    path("api/schema/", SchemaView.as_view(), name="api_schema"),
    # The docs pages keep to the Content Security Policy: Swagger UI's start-up script is served
    # at /api/docs/?script, Redoc's from a static file with the nonce for its styles.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema", template_name="api/swagger_ui.html"
        ),
        name="api_docs",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="api_schema", template_name="api/redoc.html"),
        name="api_redoc",
    ),
    path("admin/", admin.site.urls),
]

handler404 = "ecotone.api.exceptions.not_found"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
