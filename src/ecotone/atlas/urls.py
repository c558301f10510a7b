from django.urls import URLPattern, path

from . import export_views, import_views, views

app_name = "atlas"

# Mounted under /e/<ecosystem_slug>/atlas/ (see ecotone/urls.py).
urlpatterns: list[URLPattern] = [
    # the atlas pages, analyses, scenarios (views.py)
    path("", views.atlas_home, name="home"),
    path("status/", views.run_status, name="run_status"),
    path("areas.geojson", views.areas_geojson, name="areas_geojson"),
    path("settings/", views.analysis_settings, name="settings"),
    path("scenarios/", views.scenario_list, name="scenarios"),
    path("scenarios/new/", views.scenario_new, name="scenario_new"),
    path("scenarios/compare/", views.scenario_compare, name="scenario_compare"),
    path("scenarios/<int:scenario_id>/", views.scenario_detail, name="scenario"),
    path("scenarios/<int:scenario_id>/delete/", views.scenario_delete, name="scenario_delete"),
    # area imports (import_views.py)
    path("areas/", import_views.area_list, name="areas"),
    path("areas/template.csv", import_views.area_template, name="area_template"),
    path("areas/delete/", import_views.area_delete, name="area_delete"),
    path("areas/imports/", import_views.area_import_list, name="area_imports"),
    path("areas/imports/<int:import_id>/", import_views.area_import_run, name="area_import"),
    path(
        "areas/imports/<int:import_id>/status/",
        import_views.area_import_status,
        name="area_import_status",
    ),
    path(
        "areas/imports/<int:import_id>/apply/",
        import_views.area_import_apply,
        name="area_import_apply",
    ),
    path(
        "areas/imports/<int:import_id>/retry/",
        import_views.area_import_retry,
        name="area_import_retry",
    ),
    path(
        "areas/imports/<int:import_id>/discard/",
        import_views.area_import_discard,
        name="area_import_discard",
    ),
    path(
        "areas/imports/<int:import_id>/file/",
        import_views.area_import_file,
        name="area_import_file",
    ),
    # exports (views.py or export_views.py)
    path("export.<str:fmt>", export_views.export_areas, name="export"),
]
