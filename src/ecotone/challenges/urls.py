from django.urls import include, path

from .views import calls

app_name = "challenges"

urlpatterns = [
    path("", calls.call_list, name="call_list"),
    # reviewing (issue 20 items 3-5): reviewers, assignment, reviews
    path("", include("ecotone.challenges.views.reviewers")),
    path("", include("ecotone.challenges.views.assignments")),
    path("", include("ecotone.challenges.views.reviews")),
]
