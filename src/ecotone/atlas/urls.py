from django.urls import URLPattern, path

from . import export_views, import_views

app_name = "atlas"

# Mounted under /e/<ecosystem_slug>/atlas/ (see ecotone/urls.py).
urlpatterns: list[URLPattern] = [
    # the atlas pages, analyses, scenarios (views.py)
    # area imports (import_views.py)
    path("areas/", import_views.area_list, name="areas"),
    path("areas/template.csv", import_views.area_template, name="area_template"),
    path("areas/delete/", import_views.area_delete, name="area_delete"),
    path("areas/imports/", import_views.area_import_list, name="area_imports"),
    path("areas/imports/<int:import_id>/", import_views.area_import_run, name="area_import"),
    path(
        "areas/imports/<int:import_id>/apply/",
        import_views.area_import_apply,
        name="area_import_apply",
    ),
    path(
        "areas/imports/<int:import_id>/file/",
        import_views.area_import_file,
        name="area_import_file",
    ),
    # exports (views.py or export_views.py)
    path("export.<str:fmt>", export_views.export_areas, name="export"),
]
