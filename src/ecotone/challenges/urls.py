from django.urls import path

from .views import calls

app_name = "challenges"

urlpatterns = [
    path("", calls.call_list, name="call_list"),
]
