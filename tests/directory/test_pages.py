"""The public directory pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from tests.conftest import World
from tests.directory.test_search import add_program
from tests.test_i18n import spanish_client


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


def test_a_radius_out_of_range_is_refused_on_the_page_and_the_default_used(world: World) -> None:
    add_program(world, "Robotics Club", at=(39.97, -83.0))
    client = world.client("anonymous")
    for radius in ("-5", "99999", "0", "nan", "inf", "lots"):
        response = client.get(f"/e/alpha/programs/?near=43215&radius={radius}")
        body = response.content.decode()
        assert "Give a distance from 0.5 to 100 miles." in body, radius
        assert 'aria-describedby="radius-error"' in body
        assert "within 10 miles of 43215" in body
        assert f"within {radius} miles" not in body
        assert response.context["radius"] == 10
    within = client.get("/e/alpha/programs/?near=43215&radius=0.5").content.decode()
    assert "Give a distance" not in within
    assert "within 0.5 miles of 43215" in within


def test_a_page_number_below_one_shows_the_first_page_and_says_so(world: World) -> None:
    for i in range(25):
        add_program(world, f"Program {i:02d}")
    client = world.client("anonymous")
    assert client.get("/e/alpha/programs/?page=2").context["page"].number == 2
    for page in ("0", "-1", "abc", "1.5", "9" * 5000):
        response = client.get(f"/e/alpha/programs/?page={page}")
        assert response.context["page"].number == 1, page
        assert "Give a page number: a whole number from 1." in response.content.decode()
    assert "Give a page number" not in client.get("/e/alpha/programs/").content.decode()


def test_the_finder_says_what_is_wrong_in_spanish(world: World) -> None:
    add_program(world, "Robotics Club", at=(39.97, -83.0))
    client = spanish_client(world.client("anonymous"))
    body = client.get("/e/alpha/programs/?near=43215&radius=-5&page=0").content.decode()
    assert "Indique una distancia de 0,5 a 100 millas." in body
    assert "Indique un número de página: un número entero desde 1." in body


def test_dates_are_written_out_in_english_and_spanish(world: World) -> None:
    program = add_program(world, "Girls Build", assured_date=date(2026, 12, 6))
    english = world.client("anonymous").get(program.get_absolute_url()).content.decode()
    assert "Last verified on 6 Dec 2026." in english
    spanish = spanish_client(world.client("anonymous"))
    body = spanish.get(program.get_absolute_url()).content.decode()
    assert "6 dic 2026" in body
    for numeric in ("12/06/2026", "06/12/2026", "Dec. 6"):
        assert numeric not in english + body
