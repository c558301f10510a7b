from django.urls import path

from . import views

app_name = "listings"

# Mounted under /e/<ecosystem_slug>/listings/ (see ecotone/urls.py).
urlpatterns = [
    path("", views.mine, name="mine"),
    path("moderation/", views.moderation, name="moderation"),
    path("for/<slug:organization_slug>/new/", views.program_create, name="program_create"),
    path(
        "for/<slug:organization_slug>/locations/new/",
        views.location_create,
        name="location_create",
    ),
    path("programs/<slug:program_slug>/edit/", views.program_edit, name="program_edit"),
    path("programs/<slug:program_slug>/verify/", views.program_verify, name="program_verify"),
    path("programs/<slug:program_slug>/archive/", views.program_archive, name="program_archive"),
    path("changes/<int:change_id>/", views.change_detail, name="change"),
    path("changes/<int:change_id>/edit/", views.change_edit, name="change_edit"),
    path("changes/<int:change_id>/decide/", views.change_decide, name="change_decide"),
    path("changes/<int:change_id>/withdraw/", views.change_withdraw, name="change_withdraw"),
    path("locations/<uuid:location_id>/edit/", views.location_edit, name="location_edit"),
]
