from django.urls import path

from . import views

app_name = "ecosystems"

# Mounted under /e/<ecosystem_slug>/ (see ecotone/urls.py).
urlpatterns = [
    path("", views.ecosystem_home, name="home"),
    path("partners/", views.organization_list, name="organizations"),
    path("partners/new/", views.organization_create, name="organization_create"),
    path("partners/<slug:organization_slug>/", views.organization_detail, name="organization"),
    path(
        "partners/<slug:organization_slug>/edit/",
        views.organization_edit,
        name="organization_edit",
    ),
    path(
        "partners/<slug:organization_slug>/archive/",
        views.organization_archive,
        name="organization_archive",
    ),
    path("members/", views.member_list, name="members"),
    path("members/<int:membership_id>/", views.membership_edit, name="membership_edit"),
    path("members/<int:membership_id>/remove/", views.membership_remove, name="membership_remove"),
    path("invitations/", views.invitation_list, name="invitations"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("audit/", views.audit_log, name="audit_log"),
    path("settings/", views.ecosystem_settings, name="settings"),
]
