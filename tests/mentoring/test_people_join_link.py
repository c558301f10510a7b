"""The ecosystem's overview invites visitors to mentor: without it, nobody found the sign-up
page but by its address (the mentoring pages are for members only)."""

from __future__ import annotations

from tests.conftest import World
from tests.mentoring.builders import make_mentor

JOIN = "/e/alpha/mentoring/join/"


def test_the_overview_links_visitors_and_members_to_the_mentor_sign_up(world: World) -> None:
    for persona in ("anonymous", "member", "partner_a"):
        html = world.client(persona).get("/e/alpha/").content.decode()
        assert f'href="{JOIN}"' in html, persona


def test_mentors_are_not_invited_again(world: World) -> None:
    make_mentor(world.alpha, user=world.users["mentor"])
    html = world.client("mentor").get("/e/alpha/").content.decode()
    assert JOIN not in html
