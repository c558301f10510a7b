"""The one check of attached files (`ecotone.attachments`): the type decided from the content,
never the name, and the size limit; and the signed agreement goes through it."""

from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.attachments import BINARY, check_attachment
from ecotone.errors import DomainError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64


def office(first: str, mime_path: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(first, "<Types/>")
        archive.writestr(mime_path, "<document/>")
    return out.getvalue()


def opendocument() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office/>")
    return out.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("scan.pdf", PDF, "application/pdf"),
        ("photo.png", PNG, "image/png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
        ("anim.gif", b"GIF89a" + b"\x00" * 32, "image/gif"),
        ("pic.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 32, "image/webp"),
        (
            "minutes.docx",
            office("[Content_Types].xml", "word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("notes.odt", opendocument(), "application/vnd.oasis.opendocument.text"),
        ("notes.txt", "Sign-in sheet: 12 girls, café".encode(), "text/plain"),
        ("counts.csv", b"grade,count\n6,12\n", "text/csv"),
    ],
)
def test_accepted_types_are_recognised_from_their_content(
    name: str, content: bytes, content_type: str
) -> None:
    found = check_attachment(upload(name, content))
    assert (found.name, found.content_type, found.size) == (name, content_type, len(content))


def test_an_xlsx_written_by_a_spreadsheet_library_is_accepted() -> None:
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    found = check_attachment(upload("sheet.xlsx", out.getvalue()))
    assert found.content_type.endswith("spreadsheetml.sheet")


@pytest.mark.parametrize(
    ("name", "content", "seems"),
    [
        ("report.pdf", ELF, "a program (application/x-executable)"),
        ("photo.png", EXE, "application/x-msdownload"),
        ("page.txt", b"  <!DOCTYPE html><script>alert(1)</script>", "HTML, SVG or XML"),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "HTML, SVG or XML"),
        ("bundle.pdf", office("a.txt", "b.txt"), "an archive (application/zip)"),
        ("data.csv", "año".encode("latin-1"), "not UTF-8"),
        ("blob.txt", b"abc\x00def", "binary data"),
    ],
)
def test_other_types_are_refused_whatever_their_name(name: str, content: bytes, seems: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_attachment(upload(name, content))
    message = str(refused.value)
    assert name in message
    assert seems in message
    assert "PDF, PNG" in message
    assert "10.0\xa0MB" in message


def test_a_file_over_the_limit_is_refused_with_the_limit(settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(DomainError) as refused:
        check_attachment(upload("big.pdf", PDF + b"x" * 100))
    assert "big.pdf" in str(refused.value)
    assert "100\xa0bytes" in str(refused.value)
    assert check_attachment(upload("fits.pdf", PDF)).size == len(PDF)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(DomainError, match="empty"):
        check_attachment(upload("empty.txt", b""))


def test_the_name_loses_its_folders_and_the_file_is_left_at_its_start() -> None:
    file = io.BytesIO(b"a,b\n")
    found = check_attachment(file, name="C:\\Users\\ana\\counts.csv")
    assert found.name == "counts.csv"
    assert file.tell() == 0


@settings(max_examples=150, deadline=None)
@given(st.binary(min_size=1, max_size=300))
def test_any_bytes_are_accepted_as_a_listed_type_or_refused_in_words(content: bytes) -> None:
    try:
        found = check_attachment(io.BytesIO(content), name="file")
    except DomainError as refused:
        message = str(refused)
    else:
        message = ""
    if message:
        assert "“file”" in message
        return
    if found.content_type.startswith("text/"):
        assert b"\x00" not in content
        content.decode("utf-8")
    else:
        assert found.content_type in BINARY


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="\x00<M", codec="utf-8"), min_size=1))
def test_utf8_text_without_markup_is_accepted(text: str) -> None:
    found = check_attachment(io.BytesIO(text.encode()), name="notes.txt")
    assert found.content_type in {"text/plain", *BINARY}


def test_a_signed_agreement_that_is_not_a_document_is_refused(world: Any) -> None:
    from ecotone.measures.models import DataSharingAgreement
    from ecotone.measures.services import agreements, indicators

    indicators.install_starter_library(world.users["staff"], world.alpha)
    with pytest.raises(DomainError, match=r"agreement\.pdf"):
        agreements.save_agreement(
            world.org_a,
            world.users["staff"],
            indicators=["share-girls"],
            signatories="Ana Ruiz, director",
            starts_on=datetime.date(2024, 7, 1),
            file=upload("agreement.pdf", ELF),
        )
    assert not DataSharingAgreement.objects.exists()
