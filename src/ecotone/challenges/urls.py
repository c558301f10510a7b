from django.urls import include, path

from .views import calls

app_name = "challenges"

urlpatterns = [
    path("", calls.call_list, name="call_list"),
    # ranking, decisions, awards and the applicant pool (ch-ranking)
    path("", include("ecotone.challenges.views.ranking")),
    path("", include("ecotone.challenges.views.awards")),
    path("", include("ecotone.challenges.views.pool")),
]
