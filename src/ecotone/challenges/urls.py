"""Mounted under /e/<ecosystem_slug>/challenges/ (see ecotone/urls.py). Each area's views
module keeps its own `urlpatterns`; they all share the "challenges" namespace."""

from django.urls import include, path

app_name = "challenges"

urlpatterns = [
    # calls and applicants (ch-calls): the calls, their forms and rounds, applying
    path("", include("ecotone.challenges.views.calls")),
    path("", include("ecotone.challenges.views.applications")),
    # ranking, decisions, awards and the applicant pool (ch-ranking)
    path("", include("ecotone.challenges.views.ranking")),
    path("", include("ecotone.challenges.views.awards")),
    path("", include("ecotone.challenges.views.pool")),
    # reviewing (issue 20 items 3-5): reviewers, assignment, reviews
    path("", include("ecotone.challenges.views.reviewers")),
    path("", include("ecotone.challenges.views.assignments")),
    path("", include("ecotone.challenges.views.reviews")),
]
