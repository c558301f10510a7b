from django.urls import path

from . import views
from .imports import views as import_views
from .spreadsheet import views as spreadsheet_views

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
    path("imports/", import_views.import_list, name="imports"),
    path("imports/<int:run_id>/", import_views.import_run, name="import_run"),
    path("imports/<int:run_id>/status/", import_views.import_status, name="import_status"),
    path("imports/<int:run_id>/apply/", import_views.import_apply, name="import_apply"),
    path("imports/<int:run_id>/retry/", import_views.import_retry, name="import_retry"),
    path("imports/<int:run_id>/discard/", import_views.import_discard, name="import_discard"),
    path("imports/<int:run_id>/file/", import_views.import_file, name="import_file"),
    path("export/hsds.json", import_views.export_hsds_json, name="export_hsds_json"),
    path("export/hsds.zip", import_views.export_hsds_package, name="export_hsds_package"),
    path("<slug:program_slug>/", views.program_detail, name="program"),
]
