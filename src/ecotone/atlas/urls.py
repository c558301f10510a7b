from django.urls import URLPattern, path

from . import views

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
    # exports (views.py or export_views.py)
]
