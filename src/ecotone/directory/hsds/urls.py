"""The HSDS 3.0 API, mounted under /api/hsds/<ecosystem_slug>/ (see views.py for why).

Paths are HSDS's own, without a trailing slash, so an HSDS client appends them to the base.
"""

from django.urls import path

from . import views

app_name = "hsds"

urlpatterns = [
    path("", views.api_root, name="root"),
    path("services", views.services, name="services"),
    path("services/<str:hsds_id>", views.service, name="service"),
    path("service_at_locations", views.service_at_locations, name="service_at_locations"),
    path(
        "service_at_locations/<str:hsds_id>",
        views.service_at_location,
        name="service_at_location",
    ),
    path("organizations", views.organizations, name="organizations"),
    path("organizations/<str:hsds_id>", views.organization, name="organization"),
    path("taxonomies", views.taxonomies, name="taxonomies"),
    path("taxonomies/<str:hsds_id>", views.taxonomy, name="taxonomy"),
    path("taxonomy_terms", views.taxonomy_terms, name="taxonomy_terms"),
    path("taxonomy_terms/<str:hsds_id>", views.taxonomy_term, name="taxonomy_term"),
]
