from django.urls import URLPattern, path  # noqa: F401

app_name = "atlas"

# Mounted under /e/<ecosystem_slug>/atlas/ (see ecotone/urls.py).
urlpatterns: list[URLPattern] = [
    # the atlas pages, analyses, scenarios (views.py)
    # area imports (import_views.py)
    # exports (views.py or export_views.py)
]
