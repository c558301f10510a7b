"""The public directory pages."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tests.conftest import World
from tests.directory.test_search import add_program


def test_directory_lists_programs_for_anyone(world: World) -> None:
    add_program(world, "Robotics Club", at=(39.97, -83.0), terms=("stem_field/robotics",))
    response = world.client("anonymous").get("/e/alpha/programs/?stem_field=robotics")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Robotics Club" in body
    assert 'value="robotics" checked' in body


def test_unknown_zip_code_is_explained_not_a_crash(world: World) -> None:
    add_program(world, "Robotics Club")
    response = world.client("anonymous").get("/e/alpha/programs/?near=99999")
    assert response.status_code == 200
    assert "We do not know this ZIP code" in response.content.decode()
    assert response.context["page"].paginator.count == 1


def test_program_page_shows_the_profile_and_hides_archived_ones(world: World) -> None:
    program = add_program(world, "Girls Build", terms=("grade_band/6-8", "focus_population/girls"))
    body = world.client("anonymous").get(program.get_absolute_url()).content.decode()
    assert "Girls Build" in body
    assert "6–8" in body
    program.archived_at = timezone.now()
    program.save()
    assert world.client("anonymous").get(program.get_absolute_url()).status_code == 404


def test_directory_query_count_is_flat(world: World, django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        add_program(world, f"Program {i:02d}", at=(39.97, -83.0), terms=("stem_field/science",))
    client = world.client("anonymous")
    client.get("/e/alpha/programs/")
    with django_assert_max_num_queries(14):
        client.get("/e/alpha/programs/?near=43215&page=2")


def test_a_shared_radius_off_the_list_is_kept_selected(world: World) -> None:
    add_program(world, "Robotics Club", at=(39.97, -83.0))
    response = world.client("anonymous").get("/e/alpha/programs/?near=43215&radius=25")
    body = response.content.decode()
    assert '<option value="25" selected>25 miles</option>' in body
    assert response.context["radii"] == [2, 5, 10, 20, 25, 50]


def test_folded_filters_say_how_many_are_chosen(world: World) -> None:
    add_program(world, "Robotics Club", at=(39.97, -83.0), terms=("stem_field/robotics",))
    client = world.client("anonymous")
    assert client.get("/e/alpha/programs/?q=robot").context["filters_chosen"] == 0
    response = client.get(
        "/e/alpha/programs/?q=robot&free=1&day=MO&day=WE&stem_field=robotics&language=es"
    )
    assert response.context["filters_chosen"] == 5
    assert "5 chosen" in response.content.decode()
