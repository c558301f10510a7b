from django.urls import URLPattern, path

from . import export_views

app_name = "atlas"

# Mounted under /e/<ecosystem_slug>/atlas/ (see ecotone/urls.py).
urlpatterns: list[URLPattern] = [
    # the atlas pages, analyses, scenarios (views.py)
    # area imports (import_views.py)
    # exports (views.py or export_views.py)
    path("export.<str:fmt>", export_views.export_areas, name="export"),
]
