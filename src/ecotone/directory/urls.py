from django.urls import path

from . import views

app_name = "directory"

# Mounted under /e/<ecosystem_slug>/programs/ (see ecotone/urls.py).
urlpatterns = [
    path("", views.program_list, name="programs"),
    path("map.geojson", views.map_geojson, name="map_geojson"),
    path("<slug:program_slug>/", views.program_detail, name="program"),
]
