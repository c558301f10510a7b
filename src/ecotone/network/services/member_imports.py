"""An existing list of members brought onto the roll from a CSV (or XLSX), on the shared upload
lifecycle of `ecotone.uploads`: kept as received, checked (a dry run listing every problem by
row and column), then applied all or nothing in one transaction. Imported members are active
without an account (`roll.activate`); nobody is mailed unless the backbone asks, and then only
those whose row says they consented.

The columns (`COLUMNS`, documented on the page with a template): email and name (required),
organization, sector, role, region, zip, interests (codes or names, separated by ";"),
language (en or es), consent (yes/no: email from the network), directory (yes/no).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone import uploads
from ecotone.cells import Problem, cell_flag, fold
from ecotone.directory.geocoding import normalize_zip, zip_centroid
from ecotone.ecosystems.models import Ecosystem, Sector
from ecotone.errors import DomainError
from ecotone.uploads import UploadStatus, actor

from .. import notifications_members
from ..models import Member, MemberImport, MemberInterest, MemberSource, MemberStatus
from ..profile import INTERESTS, NETWORK_ROLES

COLUMNS = (
    "email",
    "name",
    "organization",
    "sector",
    "role",
    "region",
    "zip",
    "interests",
    "language",
    "consent",
    "directory",
)
REQUIRED = ("email", "name")
MAX_BYTES = 10 << 20
MAX_ROWS = 20_000
SUFFIXES = (".csv", ".xlsx", ".txt")
TEMPLATE_ROWS = (
    (
        "ana@example.org",
        "Ana Ruiz",
        "Riverton Library",
        "library",
        "educator",
        "Franklin",
        "43215",
        "math; family",
        "es",
        "yes",
        "no",
    ),
    ("lee@example.org", "Lee Park", "", "", "", "", "", "", "en", "no", "no"),
)


@dataclass
class Row:
    number: int
    fields: dict[str, Any]
    interests: list[str] = field(default_factory=list)


@dataclass
class Content:
    rows: list[Row]
    problems: list[Problem]
    read: int
    on_roll: int = 0


def read(path: Path, ecosystem: Ecosystem) -> Content:
    """The rows of a kept file, each checked; every problem names its row and column."""
    problems: list[Problem] = []
    found: list[Row] = []
    sectors = uploads.choice_names(Sector.choices)
    roles = uploads.choice_names(NETWORK_ROLES)
    interests = uploads.choice_names(INTERESTS)
    languages = uploads.choice_names(settings.LANGUAGES)
    on_roll = set(
        Member.objects.filter(ecosystem=ecosystem)
        .exclude(status=MemberStatus.LEFT)
        .values_list("email", flat=True)
    )
    seen: dict[str, int] = {}
    count = skipped = 0
    for number, cells in uploads.table_rows(
        path, COLUMNS, REQUIRED, max_rows=MAX_ROWS, max_bytes=MAX_BYTES, problems=problems
    ):
        count += 1
        where = _("row %(n)d") % {"n": number}
        email = cells.get("email", "").strip().lower()
        if email in seen:
            problems.append(
                Problem(
                    where,
                    "email",
                    _("The same address is on row %(n)d already.") % {"n": seen[email]},
                )
            )
            continue
        if email:
            seen[email] = number
        row, row_problems = _row(number, where, cells, sectors, roles, interests, languages)
        problems.extend(row_problems)
        if row is None:
            continue
        if email in on_roll:
            skipped += 1
            continue
        found.append(row)
    if not count and not problems:
        problems.append(Problem("", "", _("The file has no members.")))
    return Content(found, problems, count, skipped)


def _row(
    number: int,
    where: str,
    cells: dict[str, str],
    sectors: dict[str, str],
    roles: dict[str, str],
    interests: dict[str, str],
    languages: dict[str, str],
) -> tuple[Row | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(where, column, message))

    email = cells.get("email", "").strip().lower()
    try:
        validate_email(email)
        if len(email) > 254:
            raise ValidationError("long")
    except ValidationError:
        problem("email", _("Write one email address."))
    name = cells.get("name", "").strip()
    if not name:
        problem("name", _("Give the member's name."))
    elif len(name) > 150:
        problem("name", _("At most 150 characters."))
    organization = cells.get("organization", "").strip()
    if len(organization) > 200:
        problem("organization", _("At most 200 characters."))
    region = cells.get("region", "").strip()
    if len(region) > 100:
        problem("region", _("At most 100 characters."))
    sector = ""
    if cells.get("sector"):
        sector = sectors.get(fold(cells["sector"]), "")
        if not sector:
            problem("sector", _("Not one of the sectors: write its code or its name."))
    role = ""
    if cells.get("role"):
        role = roles.get(fold(cells["role"]), "")
        if not role:
            problem("role", _("Not one of the roles: write its code or its name."))
    postal_code = ""
    if cells.get("zip"):
        postal_code = normalize_zip(cells["zip"]) or ""
        if not postal_code:
            problem("zip", _("Write a 5-digit ZIP code."))
    codes: list[str] = []
    for part in cells.get("interests", "").replace(",", ";").split(";"):
        if not part.strip():
            continue
        code = interests.get(fold(part))
        if code is None:
            problem(
                "interests",
                _("“%(value)s” is not one of the interests.") % {"value": part.strip()[:50]},
            )
        elif code not in codes:
            codes.append(code)
    language = "en"
    if cells.get("language"):
        language = languages.get(fold(cells["language"]), "")
        if not language:
            problem("language", _("Write en or es (or leave it empty)."))
    flags: dict[str, bool] = {}
    for column in ("consent", "directory"):
        value = cell_flag(cells.get(column, ""), empty=False)
        if value is None:
            problem(column, _("Write yes or no."))
        flags[column] = bool(value)
    if problems:
        return None, problems
    fields = {
        "email": email,
        "name": name,
        "organization_name": organization,
        "sector": sector,
        "network_role": role,
        "region": region,
        "postal_code": postal_code,
        "language": language,
        "email_consent": flags["consent"],
        "in_directory": flags["directory"],
    }
    return Row(number, fields, codes), []


def _report(content: Content) -> dict[str, Any]:
    return {
        "problems": [asdict(p) for p in content.problems],
        "counts": {
            "members": len(content.rows),
            "consented": sum(1 for r in content.rows if r.fields["email_consent"]),
            "on_roll": content.on_roll,
        },
        "rows": content.read,
    }


def check_file(
    ecosystem: Ecosystem, upload: IO[bytes] | File[Any], *, user: Any, notify: bool = False
) -> MemberImport:
    """Keep the uploaded file and check it (a dry run): nobody is added."""
    filename = Path(getattr(upload, "name", "") or "members.csv").name[:200]
    if Path(filename).suffix.lower() not in SUFFIXES:
        raise DomainError(
            _("Upload a CSV (.csv) or Excel (.xlsx) file; “%(name)s” is neither.")
            % {"name": filename}
        )
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise DomainError(_("Upload a file of at most %(mb)d MB.") % {"mb": MAX_BYTES >> 20})
    run = MemberImport(
        ecosystem=ecosystem, created_by=actor(user), original_filename=filename, notify=notify
    )
    uploads.store(run, upload, filename)
    content = read(Path(run.file.path), ecosystem)
    run = uploads.record_check(run, _report(content), has_problems=bool(content.problems))
    if content.problems:
        # never applied (it is fixed and uploaded again): its addresses go now
        transaction.on_commit(lambda: _forget_file(run.pk))
    return run


def apply_import(run: MemberImport, *, user: Any) -> MemberImport:
    """Re-read the kept file, check it again and add every row in one transaction: all of them
    or, on any problem, none (`uploads.apply`)."""
    try:
        applied = uploads.apply(run, user, _write)
    except uploads.NotApplicableError:
        raise
    except Exception:
        _forget_file(run.pk)
        raise
    if applied.status == UploadStatus.HAS_PROBLEMS:
        _forget_file(run.pk)
    return applied


def _write(run: MemberImport, user: Any) -> None:
    content = read(Path(run.file.path), run.ecosystem)
    run.report = _report(content)
    if content.problems:
        run.status = UploadStatus.HAS_PROBLEMS
        return
    add_rows(run.ecosystem, content.rows, notify=run.notify)
    run.status = UploadStatus.APPLIED
    transaction.on_commit(lambda: _forget_file(run.pk))


def add_rows(ecosystem: Ecosystem, rows: list[Row], *, notify: bool) -> list[Member]:
    """Active members without an account, placed at their ZIP code's centroid."""
    now = timezone.now()
    members = []
    for row in rows:
        centroid = zip_centroid(row.fields["postal_code"]) if row.fields["postal_code"] else None
        members.append(
            Member(
                ecosystem=ecosystem,
                source=MemberSource.IMPORT,
                status=MemberStatus.ACTIVE,
                confirmed_at=now,
                joined_at=now,
                email_consent_at=now if row.fields["email_consent"] else None,
                latitude=centroid.latitude if centroid else None,
                longitude=centroid.longitude if centroid else None,
                **row.fields,
            )
        )
    # no account to give a role to: the roll's rule (`roll.activate`) has nothing more to do
    created = Member.objects.bulk_create(members, batch_size=1000)
    MemberInterest.objects.bulk_create(
        (
            MemberInterest(member=member, code=code)
            for member, row in zip(created, rows, strict=True)
            for code in row.interests
        ),
        batch_size=2000,
    )
    if notify:
        notifications_members.imported([m.pk for m in created if m.email_consent], ecosystem)
    return created


def _forget_file(run_id: int) -> None:
    """The file held addresses: delete it (the report keeps rows and problems only)."""
    run = MemberImport._default_manager.filter(pk=run_id).first()
    if run is not None and run.file:
        run.file.delete(save=False)
        MemberImport._default_manager.filter(pk=run_id).update(file="")
