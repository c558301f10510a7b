from django.urls import path

from . import spreadsheet_views, views

app_name = "directory"

# Mounted under /e/<ecosystem_slug>/programs/ (see ecotone/urls.py).
urlpatterns = [
    path("", views.program_list, name="programs"),
    path("map.geojson", views.map_geojson, name="map_geojson"),
    path("spreadsheet/guide/", spreadsheet_views.guide, name="spreadsheet_guide"),
    path("spreadsheet/template/", spreadsheet_views.template, name="spreadsheet_template"),
    path("spreadsheet/export/", spreadsheet_views.export, name="spreadsheet_export"),
    path(
        "spreadsheet/export/<slug:organization_slug>/",
        spreadsheet_views.organization_export,
        name="spreadsheet_organization_export",
    ),
    path("<slug:program_slug>/", views.program_detail, name="program"),
]
