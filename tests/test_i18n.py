"""Spanish is first-class: pages render in it, the switcher sets it, the catalogue is complete.

The catalogue is src/ecotone/locale/es/LC_MESSAGES/django.po: `make messages` refreshes it (needs
gettext), translators fill it, and `make setup` compiles it with Babel (.mo files are never
committed). The catalogue tests below fail on any string marked for translation that has no
Spanish yet, so English cannot slip into Spanish pages unnoticed.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_python
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.utils.translation.template import templatize

import ecotone
from tests.conftest import World

SOURCE = Path(ecotone.__file__).resolve().parent
PO_FILE = SOURCE / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
FIX = "run `make messages`, translate the new entries in {po}, then `make setup`"

# What `makemessages` looks for in Python (and in templates, once templatized).
KEYWORDS: dict[str, tuple[int | tuple[int, str], ...] | None] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|\{\{.*?\}\}|<[^>]+>")


def read_catalogue() -> Catalog:
    with PO_FILE.open("rb") as po:
        return read_po(po)


def translations(catalogue: Catalog) -> dict[tuple[str, ...], tuple[str, ...]]:
    """{(context, msgid(s)): msgstr(s)} of what compiles: translated, not fuzzy (plural ids as
    tuples; the context is "" when there is none; Babel reads a .mo file's contexts as bytes)."""
    return {
        (_context(m.context), *_strings(m.id)): _strings(m.string)
        for m in catalogue
        if m.id and all(_strings(m.string)) and not m.fuzzy
    }


def _context(value: str | bytes | None) -> str:
    return value.decode() if isinstance(value, bytes) else (value or "")


def _strings(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def html_lang(html: str) -> str:
    match = re.search(r'<html\b[^>]*\blang="([^"]*)"', html)
    return match.group(1) if match else ""


def spanish_client(client: Client | None = None) -> Client:
    client = client or Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


@pytest.fixture(scope="module")
def compiled_spanish() -> None:
    """Pages can only speak Spanish once the catalogue is compiled, which `make setup` does."""
    if not MO_FILE.exists():
        pytest.fail(f"{MO_FILE} is missing: run `make setup` to compile the translations.")
    with MO_FILE.open("rb") as mo:
        compiled = translations(read_mo(mo))
    if compiled != translations(read_catalogue()):
        pytest.fail(f"{MO_FILE} is out of date with {PO_FILE.name}: run `make setup`.")


# Pages ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("compiled_spanish")
def test_ecosystem_home_renders_in_spanish(world: World) -> None:
    html = spanish_client().get("/e/alpha/").content.decode()

    assert html_lang(html) == "es"
    assert "Socios por sector" in html
    assert "2 organizaciones socias" in html
    assert "Ver todos los socios" in html
    assert "Biblioteca" in html  # a sector label, translated lazily from the model choices
    assert "Iniciar sesión" in html
    assert "Partners by sector" not in html


@pytest.mark.usefixtures("compiled_spanish")
def test_partner_list_renders_in_spanish(world: World) -> None:
    response = spanish_client().get("/e/alpha/partners/")
    html = response.content.decode()

    assert response.status_code == 200
    assert html_lang(html) == "es"
    assert "<h1>Socios</h1>" in html
    assert "2 socios" in html
    assert "Rol en la coalición" in html
    assert "Programa después de clases u organización juvenil sin fines de lucro" in html
    assert world.org_a.name in html
    assert "Role in the coalition" not in html


@pytest.mark.usefixtures("compiled_spanish")
def test_backbone_pages_render_in_spanish(world: World) -> None:
    """Navigation, role labels and django-auditlog's action labels are all translated."""
    html = spanish_client(world.client("admin")).get("/e/alpha/").content.decode()

    assert "Registro de auditoría" in html
    assert "Invitaciones pendientes" in html
    assert "Administrador del equipo coordinador" in html
    assert "creó" in html  # "create", from django-auditlog, which ships no Spanish
    assert "Cerrar sesión" in html

    html = spanish_client(world.client("admin")).get("/e/alpha/audit/").content.decode()
    assert "Tipo de registro" in html
    assert '<option value="organization">Organización</option>' in html


@pytest.mark.usefixtures("compiled_spanish")
def test_english_stays_the_default(world: World) -> None:
    html = Client().get("/e/alpha/").content.decode()

    assert html_lang(html) == "en"
    assert "Partners by sector" in html
    assert 'name="language" value="es"' in html  # the switcher offers Spanish


# The language switcher -------------------------------------------------------------------------


@pytest.mark.usefixtures("compiled_spanish")
def test_set_language_switches_to_spanish_and_back(world: World) -> None:
    client = Client()

    response = client.post("/i18n/setlang/", {"language": "es", "next": "/e/alpha/partners/"})

    assert response.status_code == 302
    assert response["Location"] == "/e/alpha/partners/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    html = client.get("/e/alpha/partners/").content.decode()
    assert html_lang(html) == "es"
    assert "<h1>Socios</h1>" in html

    client.post("/i18n/setlang/", {"language": "en", "next": "/e/alpha/partners/"})
    assert html_lang(client.get("/e/alpha/partners/").content.decode()) == "en"


# The catalogue ---------------------------------------------------------------------------------


def _label(message: Message) -> str:
    return repr(_strings(message.id)[0])


def test_spanish_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    catalogue = read_catalogue()
    entries = [m for m in catalogue if m.id]

    untranslated = [_label(m) for m in entries if not all(_strings(m.string))]
    fuzzy = [_label(m) for m in entries if m.fuzzy]

    assert entries, f"{PO_FILE} has no entries"
    assert not catalogue.fuzzy, f"the header of {PO_FILE} is marked fuzzy; Babel would skip it"
    assert catalogue.num_plurals == 2, "Plural-Forms must be nplurals=2; plural=(n != 1);"
    assert not untranslated, f"untranslated: {untranslated}; " + FIX.format(po=PO_FILE)
    assert not fuzzy, f"fuzzy (check and unflag them): {fuzzy}; " + FIX.format(po=PO_FILE)


def test_spanish_translations_keep_placeholders_and_whitespace() -> None:
    catalogue = read_catalogue()
    problems = [f"{_label(m)}: {errors}" for m, errors in catalogue.check()]
    for message in catalogue:
        if not message.id:
            continue
        source = _strings(message.id)[-1]
        for translation in _strings(message.string):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                problems.append(f"{_label(message)}: placeholders or markup differ")
            if (source[: len(source) - len(source.lstrip())], source[len(source.rstrip()) :]) != (
                translation[: len(translation) - len(translation.lstrip())],
                translation[len(translation.rstrip()) :],
            ):
                problems.append(f"{_label(message)}: leading or trailing whitespace differs")

    assert not problems, "\n".join(problems)


def _marked_strings() -> dict[object, str]:
    """Every msgid `makemessages` would extract (run from src/ecotone, ignoring static/)."""
    found: dict[object, str] = {}
    for path in sorted(SOURCE.rglob("*")):
        relative = path.relative_to(SOURCE)
        if relative.parts[0] in ("static", "locale") or path.suffix not in (".py", ".html", ".txt"):
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            # Django turns a template into Python-like gettext calls for xgettext; Babel reads
            # them the same way once the (meaningless) indentation is gone.
            text = templatize(text, origin=str(path))
            text = "\n".join(line.strip() for line in text.splitlines())
        for _line, function, message, _comments in extract_python(
            io.BytesIO(text.encode()), KEYWORDS, [], {}
        ):
            parts = [part for part in _strings(message) if part is not None]
            if function.startswith(("pgettext", "npgettext")):
                parts = parts[1:]  # the context
            found.setdefault(parts[0] if len(parts) == 1 else tuple(parts[:2]), str(relative))
    return found


def test_every_marked_string_is_in_the_spanish_catalogue() -> None:
    """Catches new strings even when nobody ran `make messages` (which needs gettext)."""
    known = {m.id for m in read_catalogue() if m.id}

    missing = [
        f"{where}: {msgid!r}" for msgid, where in _marked_strings().items() if msgid not in known
    ]

    assert not missing, "\n".join(["not in the catalogue:", *missing, FIX.format(po=PO_FILE)])
