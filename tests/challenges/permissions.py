"""The challenges app's rows of the permission table (tests/test_permissions.py), and the
records their placeholders name (`records`)."""

from __future__ import annotations

import datetime
import io
from datetime import timedelta
from typing import Any

from tests.conftest import World
from tests.permission_rows import ALL_200, BACKBONE, Row, members_only, statuses

CHALLENGES = "/e/alpha/challenges"

ROWS = [
    Row("challenges", "get", f"{CHALLENGES}/", ALL_200),
]

# --- calls and applicants (ch-calls) ---------------------------------------------------------
CALL = f"{CHALLENGES}/calls/{{call}}"
APP = f"{CHALLENGES}/applications/{{application}}"
BACKBONE_ONLY = members_only(BACKBONE)
SIGNED_IN = statuses(200, anonymous=302)
# The application's lead (partner_a) only; the backbone reads its page; anyone else 404.
LEAD_ONLY = statuses(404, anonymous=302, partner_a=200)

ROWS += [
    Row("call page", "get", f"{CALL}/", ALL_200),
    Row(
        "draft call page",
        "get",
        f"{CHALLENGES}/calls/{{draft_call}}/",
        statuses(404, staff=200, admin=200),
    ),
    Row("new call", "get", f"{CHALLENGES}/calls/new/", BACKBONE_ONLY),
    Row("edit call", "get", f"{CALL}/edit/", BACKBONE_ONLY),
    Row("open or close a call", "get", f"{CALL}/status/", BACKBONE_ONLY),
    Row("close a call", "post", f"{CALL}/status/", members_only(BACKBONE, ok=302)),
    Row("criteria", "get", f"{CALL}/criteria/", BACKBONE_ONLY),
    Row("criterion", "get", f"{CALL}/criteria/{{criterion}}/", BACKBONE_ONLY),
    Row("eligibility", "get", f"{CALL}/eligibility/", BACKBONE_ONLY),
    Row(
        "eligibility question",
        "get",
        f"{CALL}/eligibility/{{eligibility_question}}/",
        BACKBONE_ONLY,
    ),
    Row("form questions", "get", f"{CALL}/questions/", BACKBONE_ONLY),
    Row("form question", "get", f"{CALL}/questions/{{question}}/", BACKBONE_ONLY),
    Row("rounds", "get", f"{CALL}/rounds/", BACKBONE_ONLY),
    Row("round", "get", f"{CALL}/rounds/{{call_round}}/", BACKBONE_ONLY),
    Row("call applications", "get", f"{CALL}/applications/", BACKBONE_ONLY),
    Row("call applications csv", "get", f"{CALL}/applications/?format=csv", BACKBONE_ONLY),
    Row("apply", "get", f"{CALL}/apply/", SIGNED_IN),
    Row("my applications", "get", f"{CHALLENGES}/applications/", SIGNED_IN),
    Row(
        "application",
        "get",
        f"{APP}/",
        statuses(404, anonymous=302, partner_a=200, staff=200, admin=200),
    ),
    Row("application eligibility", "get", f"{APP}/eligibility/", LEAD_ONLY),
    # submitted: the form sends its lead back to the application's page
    Row("application form", "get", f"{APP}/edit/", statuses(404, anonymous=302, partner_a=302)),
    Row(
        "application file",
        "get",
        f"{APP}/files/{{answer_file}}/",
        statuses(404, anonymous=302, partner_a=200, staff=200, admin=200),
    ),
    Row("co-applicants", "get", f"{APP}/co-applicants/", LEAD_ONLY),
    Row("submit", "get", f"{APP}/submit/", LEAD_ONLY),
    Row("withdraw", "get", f"{APP}/withdraw/", LEAD_ONLY),
    Row("withdraw it", "post", f"{APP}/withdraw/", statuses(404, anonymous=302, partner_a=302)),
    Row("versions", "get", f"{APP}/versions/", LEAD_ONLY),
    Row("co-applicant invitation", "get", f"{CHALLENGES}/invitations/{{co_token}}/", SIGNED_IN),
    # only the invited address (partner_b's) accepts; anyone else is told so
    Row(
        "accept an invitation",
        "post",
        f"{CHALLENGES}/invitations/{{co_token}}/",
        statuses(400, anonymous=302, partner_b=302),
    ),
]

# Values that resolve the rows' URLs (test_every_url_pattern_is_in_the_table).
FAKE = {
    "call": "x",
    "draft_call": "x",
    "criterion": "1",
    "eligibility_question": "1",
    "question": "1",
    "call_round": "1",
    "application": "1",
    "answer_file": "1",
    "co_token": "x",
}


# --- ranking, decisions, awards and the applicant pool (ch-ranking) --------------------------
RANKED = f"{CHALLENGES}/calls/{{ranked_call}}"
RANKED_ROUND = f"{RANKED}/rounds/{{ranked_round}}"
STAFF = members_only(BACKBONE)
STAFF_REDIRECT = members_only(BACKBONE, 302)
ROWS += [
    Row("ranking", "get", f"{RANKED_ROUND}/ranking/", STAFF),
    Row("ranking-csv", "get", f"{RANKED_ROUND}/ranking/download/csv/", STAFF),
    Row("shortlist", "get", f"{RANKED_ROUND}/shortlist/", STAFF),
    Row("shortlist-check", "post", f"{RANKED_ROUND}/shortlist/", STAFF, {"mode": "top"}),
    Row("decisions", "get", f"{RANKED_ROUND}/decisions/", STAFF),
    Row("release-feedback", "post", f"{RANKED_ROUND}/feedback/", STAFF_REDIRECT),
    Row("awards", "get", f"{RANKED}/awards/", STAFF),
    Row("awards-new", "post", f"{RANKED}/awards/", STAFF, {"amount": ""}),
    Row("announce", "get", f"{RANKED}/awards/announce/", STAFF),
    Row("announce-post", "post", f"{RANKED}/awards/announce/", STAFF_REDIRECT),
    Row("publish-winners", "post", f"{RANKED}/awards/publish/", STAFF_REDIRECT),
    Row("decline-rest", "get", f"{RANKED}/awards/decline-rest/", STAFF),
    Row("decline-rest-post", "post", f"{RANKED}/awards/decline-rest/", STAFF_REDIRECT),
    Row("award", "get", f"{RANKED}/awards/{{award}}/", STAFF),
    Row("award-edit", "post", f"{RANKED}/awards/{{award}}/", STAFF, {"amount": ""}),
    Row("milestone-add", "post", f"{RANKED}/awards/{{award}}/milestones/", STAFF, {"title": ""}),
    Row(
        "milestone-done",
        "post",
        f"{RANKED}/awards/{{award}}/milestones/{{milestone}}/done/",
        STAFF_REDIRECT,
    ),
    Row("agreement", "get", f"{RANKED}/awards/{{award}}/agreement/", STAFF),
    Row("agreement-upload", "post", f"{RANKED}/awards/{{award}}/agreement/", STAFF),
    Row("winners", "get", f"{RANKED}/winners/", ALL_200),
    Row("payments-due", "get", f"{CHALLENGES}/payments-due/", STAFF),
    Row("pool", "get", f"{RANKED}/pool/", STAFF),
    Row("pool-xlsx", "get", f"{RANKED}/pool/download/xlsx/", STAFF),
]


FAKE |= {
    "ranked_call": "x",
    "ranked_round": "1",
    "award": "1",
    "milestone": "1",
}


# --- area api: /api/v1/ecosystems/alpha/challenges/ (records from builders_api). Calls and
# winners are public; applications answer every signed-in person, each seeing their own (the
# member's application: its lead, the reviewer assigned to it and the backbone); the reviewing
# records are the reviewer's own and the backbone's; decisions and awards the backbone's.
CHALLENGES_API = "/api/v1/ecosystems/alpha/challenges"
API_BACKBONE = BACKBONE
REVIEWING = ("reviewer", *BACKBONE)
API_SIGNED_IN = statuses(200, anonymous=401)
THE_APPLICATION = statuses(404, anonymous=401, member=200, reviewer=200, staff=200, admin=200)
ROWS += [
    Row("api challenge calls", "get", f"{CHALLENGES_API}/calls/", ALL_200),
    Row("api challenge call", "get", f"{CHALLENGES_API}/calls/{{api_call}}/", ALL_200),
    Row(
        "api challenge draft call",
        "get",
        f"{CHALLENGES_API}/calls/{{api_draft_call}}/",
        statuses(404, staff=200, admin=200),
    ),
    Row("api challenge applications", "get", f"{CHALLENGES_API}/applications/", API_SIGNED_IN),
    Row(
        "api challenge application",
        "get",
        f"{CHALLENGES_API}/applications/{{api_application}}/",
        THE_APPLICATION,
    ),
    Row(
        "api challenge application revisions",
        "get",
        f"{CHALLENGES_API}/applications/{{api_application}}/revisions/",
        THE_APPLICATION,
    ),
    *[
        Row(
            f"api challenge {path}",
            "get",
            f"{CHALLENGES_API}/{path}/",
            members_only(allowed, api=True),
        )
        for path, allowed in (
            ("assignments", REVIEWING),
            ("reviews", REVIEWING),
            ("reviewers", REVIEWING),
            ("decisions", API_BACKBONE),
            ("awards", API_BACKBONE),
        )
    ],
    *[
        Row(
            f"api challenge {path} one",
            "get",
            f"{CHALLENGES_API}/{path}/{{{placeholder}}}/",
            members_only(allowed, api=True),
        )
        for path, placeholder, allowed in (
            ("assignments", "api_assignment", REVIEWING),
            ("reviews", "api_review", REVIEWING),
            ("reviewers", "api_reviewer", REVIEWING),
            ("decisions", "api_decision", API_BACKBONE),
            ("awards", "api_award", API_BACKBONE),
        )
    ],
    Row("api challenge winners", "get", f"{CHALLENGES_API}/winners/", ALL_200),
]


FAKE |= {
    **{
        name: "1"
        for name in (
            "api_application",
            "api_assignment",
            "api_review",
            "api_reviewer",
            "api_decision",
            "api_award",
        )
    },
    "api_call": "x",
    "api_draft_call": "x",
}


# --- reviewing (reviewers, assignment, reviews) ------------------------------------------------
REVIEWER = ("reviewer",)


def _backbone(ok: int = 200) -> dict[str, int]:
    return members_only(BACKBONE, ok)


def _reviewer(ok: int = 200) -> dict[str, int]:
    return members_only(REVIEWER, ok)


ROWS += [
    Row("challenges reviewers", "get", f"{CHALLENGES}/reviewers/", _backbone()),
    Row("challenges reviewers csv", "get", f"{CHALLENGES}/reviewers/?format=csv", _backbone()),
    Row("challenges reviewer add", "post", f"{CHALLENGES}/reviewers/add/", _backbone(302)),
    Row("challenges reviewer invite", "post", f"{CHALLENGES}/reviewers/invite/", _backbone(302)),
    Row("challenges reviewer edit", "get", f"{CHALLENGES}/reviewers/{{rv_profile}}/", _backbone()),
    Row("challenges my reviewer profile", "get", f"{CHALLENGES}/reviewers/me/", _reviewer()),
    Row(
        "challenges round assignments",
        "get",
        f"{CHALLENGES}/rounds/{{rv_round}}/assignments/",
        _backbone(),
    ),
    Row(
        "challenges round solve",
        "get",
        f"{CHALLENGES}/rounds/{{rv_round}}/assignments/solve/",
        _backbone(),
    ),
    Row(
        "challenges round solve post",
        "post",
        f"{CHALLENGES}/rounds/{{rv_round}}/assignments/solve/",
        _backbone(302),
    ),
    Row(
        "challenges round add pair",
        "post",
        f"{CHALLENGES}/rounds/{{rv_round}}/assignments/add/",
        _backbone(302),
    ),
    Row(
        "challenges assignment lock",
        "post",
        f"{CHALLENGES}/assignments/{{rv_assignment}}/lock/",
        _backbone(302),
    ),
    Row(
        "challenges round completion",
        "get",
        f"{CHALLENGES}/rounds/{{rv_round}}/completion/",
        _backbone(),
    ),
    Row(
        "challenges round remind",
        "post",
        f"{CHALLENGES}/rounds/{{rv_round}}/completion/remind/",
        _backbone(302),
    ),
    Row("challenges my reviews", "get", f"{CHALLENGES}/reviews/", _reviewer()),
    Row("challenges bids", "get", f"{CHALLENGES}/reviews/bids/", _reviewer()),
    Row("challenges bids post", "post", f"{CHALLENGES}/reviews/bids/", _reviewer(302)),
    Row(
        "challenges declare conflict",
        "get",
        f"{CHALLENGES}/reviews/conflict/{{rv_application}}/",
        _reviewer(),
    ),
    Row("challenges review", "get", f"{CHALLENGES}/reviews/{{rv_assignment}}/", _reviewer()),
    Row(
        "challenges review post",
        "post",
        f"{CHALLENGES}/reviews/{{rv_assignment}}/",
        _reviewer(302),
        {"draft": "1"},
    ),
    # another reviewer's assignment: the reviewer persona gets 404, as for a conflicted one
    Row(
        "challenges review of another",
        "get",
        f"{CHALLENGES}/reviews/{{rv_foreign}}/",
        _reviewer(404),
    ),
    Row(
        "challenges review discussion",
        "post",
        f"{CHALLENGES}/reviews/{{rv_assignment}}/discussion/",
        _reviewer(302),
    ),
]

# Placeholder values for test_every_url_pattern_is_in_the_table (which resolves URLs only).
FAKE |= {"rv_profile": "1", "rv_round": "1", "rv_assignment": "1", "rv_application": "1"}
FAKE["rv_foreign"] = "1"


def _reviewing_records(world: World) -> dict[str, Any]:
    from django.utils import timezone

    from ecotone.challenges.models import (
        Application,
        ApplicationStatus,
        Assignment,
        Call,
        CallStatus,
        ReviewerProfile,
        Round,
        RoundKind,
        RoundStatus,
    )
    from ecotone.ecosystems.models import Membership, Role, Sector
    from tests.conftest import make_user

    call = Call.objects.create(
        ecosystem=world.alpha,
        slug="reviewed-call",
        title="Reviewed call",
        status=CallStatus.REVIEWING,
        deadline=timezone.now() - datetime.timedelta(days=3),
    )
    round_ = Round.objects.create(
        call=call, position=1, name="Review", kind=RoundKind.REVIEW, status=RoundStatus.OPEN
    )
    application = Application.objects.create(
        ecosystem=world.alpha,
        call=call,
        round=round_,
        lead=world.users["partner_b"],
        organization=world.org_b,
        organization_name=world.org_b.name,
        organization_sector=Sector.LIBRARY,
        title="Library makers",
        status=ApplicationStatus.IN_REVIEW,
    )
    # the API rows' records may have made the persona's profile already
    persona, _created = ReviewerProfile.objects.get_or_create(
        ecosystem=world.alpha, user=world.users["reviewer"], defaults={"sector": Sector.HIGHER_ED}
    )
    other_user = make_user("other-reviewer@alpha.test")
    Membership.objects.create(user=other_user, ecosystem=world.alpha, role=Role.REVIEWER)
    other = ReviewerProfile.objects.create(
        ecosystem=world.alpha, user=other_user, sector=Sector.MUSEUM
    )
    mine = Assignment.objects.create(round=round_, reviewer=persona, application=application)
    foreign = Assignment.objects.create(round=round_, reviewer=other, application=application)
    return {
        "rv_profile": persona.pk,
        "rv_round": round_.pk,
        "rv_assignment": mine.pk,
        "rv_application": application.pk,
        "rv_foreign": foreign.pk,
    }


def calls_records(world: World) -> dict[str, Any]:
    """An open call with a submitted application, a file and an invitation, and a draft call
    (ch-calls' rows)."""
    from django.utils import timezone

    from ecotone.challenges.services import applications as applying
    from ecotone.challenges.services import calls as services

    from .builders_calls import PDF, open_call, submitted

    call = open_call(world)
    draft_call = services.create_call(
        world.users["staff"],
        world.alpha,
        title="Draft call",
        deadline=timezone.now() + timedelta(days=9),
    )
    application = submitted(world, call)
    letter = call.questions.get(kind="file")
    # a file attached while it was a draft (as the lead does before submitting)
    application.status = "draft"
    application.save(update_fields=["status"])
    answer_file = applying.attach_file(
        world.users["partner_a"], application, letter, io.BytesIO(PDF)
    )
    application.status = "submitted"
    application.save(update_fields=["status"])
    invitation = applying.invite_co_applicant(
        world.users["partner_a"], application, email="partner_b@alpha.test"
    )
    return {
        "call": call.slug,
        "draft_call": draft_call.slug,
        "criterion": call.criteria.first().pk,
        "eligibility_question": call.eligibility.first().pk,
        "question": letter.pk,
        "call_round": call.rounds.first().pk,
        "application": application.pk,
        "answer_file": answer_file.pk,
        "co_token": invitation.token,
    }


def records(world: World) -> dict[str, Any]:
    """One record of each kind the rows name, by placeholder."""
    return {
        **calls_records(world),
        **ranking_records(world),
        **_api_records(world),
        **_reviewing_records(world),
        **_api2_records(world),
        **_glue_records(world),
    }


def ranking_records(world: World) -> dict[str, Any]:
    """A reviewed call whose last round has an announced award with a milestone and a signed
    agreement, and whose winners are published (ch-ranking's rows)."""
    import datetime
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from ecotone.challenges.models import Award, AwardMilestone, RoundKind
    from tests.challenges.builders_ranking import build_round

    built = build_round(
        world.alpha,
        qualities=[4.0, 3.0, 2.0],
        leniencies=[0.0, 0.5, -0.5],
        slug="ranked",
        kinds=(RoundKind.REVIEW, RoundKind.PANEL),
    )
    final = built.rounds[1]
    winner = built.applications[0]
    winner.round = final
    winner.save(update_fields=["round"])
    award = Award.objects.create(
        application=winner, amount=Decimal("1000"), citation="", announced_at=timezone.now()
    )
    award.agreement.save("agreement.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    milestone = AwardMilestone.objects.create(
        award=award, kind="payment", title="First payment", due_on=datetime.date(2026, 1, 1)
    )
    built.call.winners_published_at = timezone.now()
    built.call.save(update_fields=["winners_published_at"])
    return {
        "ranked_call": built.call.slug,
        "ranked_round": built.first.position,
        "award": award.pk,
        "milestone": milestone.pk,
    }


def _api_records(world: World) -> dict[str, Any]:
    """The API rows' records (area api): the reviewer persona assigned to the member's
    application, with a draft review of it."""
    from tests.challenges.builders_api import build_records

    built = build_records(world)
    return {
        "api_call": built.open_call.slug,
        "api_draft_call": built.draft_call.slug,
        "api_application": built.mine.pk,
        "api_assignment": built.assignment.pk,
        "api_review": built.review.pk,
        "api_reviewer": built.reviewer.pk,
        "api_decision": built.decision.pk,
        "api_award": built.award.pk,
    }


# --- area api2: the API's writes (records from builders_api, found again by their names). The
# member's draft is theirs alone (anyone else 404, as on the pages); the reviewer persona bids,
# declares and reviews (other members 403: the reviewer role); the backbone runs rounds and
# awards. A body the rule lets through but the service refuses answers 400.
DRAFT_API = f"{CHALLENGES_API}/applications/{{api_draft}}"
THE_DRAFT = statuses(404, anonymous=401, member=200)
THE_DRAFT_REFUSED = statuses(404, anonymous=401, member=400)
API_REVIEWER = ("reviewer",)
API_ROUND = f"{CHALLENGES_API}/rounds/{{api_round}}"
API_CALL = f"{CHALLENGES_API}/calls/{{api_call}}"
ROWS += [
    Row(
        "api challenge apply",
        "post",
        f"{CHALLENGES_API}/applications/",
        statuses(400, anonymous=401),
    ),
    Row("api challenge draft save", "patch", f"{DRAFT_API}/", THE_DRAFT),
    Row("api challenge draft screen", "post", f"{DRAFT_API}/screen/", THE_DRAFT_REFUSED),
    # eligibility unanswered: refused, with why
    Row("api challenge draft submit", "post", f"{DRAFT_API}/submit/", THE_DRAFT_REFUSED),
    Row("api challenge draft withdraw", "post", f"{DRAFT_API}/withdraw/", THE_DRAFT),
    Row(
        "api challenge draft co-applicant",
        "post",
        f"{DRAFT_API}/co-applicants/",
        statuses(404, anonymous=401, member=201),
        {"email": "friend@example.test"},
    ),
    Row(
        "api challenge review save",
        "patch",
        f"{CHALLENGES_API}/reviews/{{api_review}}/",
        members_only(API_REVIEWER, api=True),
        {"comment_to_panel": "Clear plan"},
    ),
    Row(
        "api challenge review submit",
        "post",
        f"{CHALLENGES_API}/reviews/{{api_review}}/submit/",
        members_only(API_REVIEWER, api=True),
    ),
    Row(
        "api challenge assignment review",
        "post",
        f"{CHALLENGES_API}/assignments/{{api_assignment}}/review/",
        members_only(API_REVIEWER, api=True),
    ),
    *[
        Row(
            f"api challenge assignment {verb}",
            "post",
            f"{CHALLENGES_API}/assignments/{{api_assignment}}/{verb}/",
            members_only(API_BACKBONE, api=True),
        )
        for verb in ("lock", "unlock")
    ],
    Row("api challenge bids", "get", f"{CHALLENGES_API}/bids/", members_only(REVIEWING, api=True)),
    Row(
        "api challenge bid",
        "put",
        f"{CHALLENGES_API}/bids/{{api_other}}/",
        members_only(API_REVIEWER, api=True),
        {"value": "eager"},
    ),
    Row(
        "api challenge bid withdrawn",
        "delete",
        f"{CHALLENGES_API}/bids/{{api_other}}/",
        members_only(API_REVIEWER, 204, api=True),
    ),
    Row(
        "api challenge conflicts",
        "get",
        f"{CHALLENGES_API}/conflicts/",
        members_only(REVIEWING, api=True),
    ),
    Row(
        "api challenge conflict declared",
        "post",
        f"{CHALLENGES_API}/conflicts/",
        members_only(API_REVIEWER, 400, api=True),  # no application named
        {"reason": "I advise them"},
    ),
    Row(
        "api challenge rounds",
        "get",
        f"{CHALLENGES_API}/rounds/",
        members_only(API_BACKBONE, api=True),
    ),
    Row("api challenge round", "get", f"{API_ROUND}/", members_only(API_BACKBONE, api=True)),
    # the round is decided (builders_api records a decision): the backbone passes the rule and
    # the service refuses a re-solve of a decided round, 400
    Row(
        "api challenge round solve",
        "post",
        f"{API_ROUND}/solve/",
        members_only(API_BACKBONE, 400, api=True),
    ),
    Row(
        "api challenge round ranking",
        "get",
        f"{API_ROUND}/ranking/",
        members_only(API_BACKBONE, api=True),
    ),
    # the round was decided in the records (a decision on the member's application)
    Row(
        "api challenge round shortlist",
        "post",
        f"{API_ROUND}/shortlist/",
        members_only(API_BACKBONE, 400, api=True),
        {"top": 1},
    ),
    Row(
        "api challenge award new",
        "post",
        f"{CHALLENGES_API}/awards/",
        members_only(API_BACKBONE, 400, api=True),
    ),
    Row(
        "api challenge award change",
        "patch",
        f"{CHALLENGES_API}/awards/{{api_award}}/",
        members_only(API_BACKBONE, api=True),
        {"citation": "River science for all"},
    ),
    Row(
        "api challenge announce",
        "post",
        f"{API_CALL}/announce/",
        members_only(API_BACKBONE, api=True),
    ),
    # nothing announced yet: refused, with why
    Row(
        "api challenge publish winners",
        "post",
        f"{API_CALL}/publish-winners/",
        members_only(API_BACKBONE, 400, api=True),
    ),
    Row("api challenge pool", "get", f"{API_CALL}/pool/", members_only(API_BACKBONE, api=True)),
]

FAKE |= {"api_draft": "1", "api_other": "1", "api_round": "1"}


def _api2_records(world: World) -> dict[str, Any]:
    """The member's draft, partner B's application (open for bids) and the review round of
    the API's records (`_api_records` built them)."""
    from ecotone.challenges.models import Application, ApplicationStatus

    found = Application.objects.filter(call__slug="api-open", ecosystem=world.alpha)
    draft = found.get(status=ApplicationStatus.DRAFT)
    other = found.get(lead=world.users["partner_b"])
    return {"api_draft": draft.pk, "api_other": other.pk, "api_round": other.round_id}


# --- glue: a reviewer reads the whole application assigned to them (its page and files, read
# only), never one they are in conflict with; its lead (partner_b) and the backbone read both.
READ_BY_REVIEWER = statuses(404, anonymous=302, partner_b=200, reviewer=200, staff=200, admin=200)
CONFLICTED = statuses(404, anonymous=302, partner_b=200, staff=200, admin=200)
GLUE = f"{CHALLENGES}/applications/{{glue_assigned}}"
GLUE_CONFLICTED = f"{CHALLENGES}/applications/{{glue_conflicted}}"
ROWS += [
    Row("application read by its reviewer", "get", f"{GLUE}/", READ_BY_REVIEWER),
    Row(
        "application file read by its reviewer",
        "get",
        f"{GLUE}/files/{{glue_file}}/",
        READ_BY_REVIEWER,
    ),
    Row("application its reviewer is in conflict with", "get", f"{GLUE_CONFLICTED}/", CONFLICTED),
    Row(
        "application file its reviewer is in conflict with",
        "get",
        f"{GLUE_CONFLICTED}/files/{{glue_conflicted_file}}/",
        CONFLICTED,
    ),
]
FAKE |= {
    name: "1" for name in ("glue_assigned", "glue_file", "glue_conflicted", "glue_conflicted_file")
}


def _glue_records(world: World) -> dict[str, Any]:
    """Two applications of partner_b to the calls rows' open call, each with a file, both
    assigned to the reviewer persona in its review round; the persona declared a conflict
    with the second."""
    from ecotone.challenges.models import Assignment, Call, ReviewerProfile
    from ecotone.challenges.services import applications as applying
    from ecotone.challenges.services import reviewers
    from ecotone.ecosystems.models import Sector

    from .builders_calls import GOOD, PDF, draft

    call = Call.objects.get(ecosystem=world.alpha, title="Spark Grants")
    review_round = call.rounds.get(kind="review")
    letter = call.questions.get(kind="file")
    persona, _created = ReviewerProfile.objects.get_or_create(
        ecosystem=world.alpha, user=world.users["reviewer"], defaults={"sector": Sector.HIGHER_ED}
    )
    lead = world.users["partner_b"]
    made: dict[str, Any] = {}
    for name, file_name, title in (
        ("glue_assigned", "glue_file", "Assigned"),
        ("glue_conflicted", "glue_conflicted_file", "Conflicted"),
    ):
        application = draft(world, call, "partner_b", title=title)
        applying.save_draft(lead, application, answers_given=GOOD)
        attached = applying.attach_file(lead, application, letter, io.BytesIO(PDF))
        applying.submit(lead, application)
        Assignment.objects.create(round=review_round, reviewer=persona, application=application)
        made[name] = application.pk
        made[file_name] = attached.pk
    conflicted = call.applications.get(pk=made["glue_conflicted"])
    reviewers.declare_conflict(persona, conflicted, world.users["staff"], "Former colleague")
    return made
