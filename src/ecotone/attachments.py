"""The one check of every file a person attaches (evidence of an assessment, a signed
data-sharing agreement): its size and its type, the type decided from the content, never from
the name.

Accepted: PDF, PNG, JPEG, GIF, WebP, Office Open XML (docx, xlsx, pptx), OpenDocument, and plain
text or CSV (valid UTF-8 without NUL bytes, and not markup: an HTML or SVG page is text a
browser would run). Binary formats are recognised by their signature with the `filetype`
package. Anything else (executables, archives, HTML, SVG, unknown bytes) is refused, as is a
file over `settings.ATTACHMENT_MAX_BYTES`. A refusal is a `DomainError` naming the file, what it
seems to be and the limit.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ecotone.errors import DomainError

HEAD = 8192  # the bytes `filetype` reads a signature from
CHUNK = 1 << 16
NAME_LENGTH = 255

# content type -> the extension a download gets (the name's own is kept when it agrees)
BINARY = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
TEXT = "text/plain"
CSV = "text/csv"
EXECUTABLES = frozenset(
    {"application/x-executable", "application/x-msdownload", "application/x-mach-binary"}
)
ARCHIVES = frozenset(
    {
        "application/zip",
        "application/x-tar",
        "application/gzip",
        "application/x-rar-compressed",
        "application/x-7z-compressed",
        "application/x-bzip2",
        "application/x-xz",
    }
)
# A text file that starts like markup is a page a browser would render (and run), not text.
MARKUP = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body", b"<!--")


@dataclass(frozen=True)
class Attachment:
    """A file that passed the check: its name as uploaded (without folders), its type as its
    content says, and its size in bytes."""

    name: str
    content_type: str
    size: int


def accepted_types() -> str:
    """The accepted types, as a person reads them (also the form's help text)."""
    return _(
        "PDF, PNG, JPEG, GIF, WebP, Word, Excel or PowerPoint (Office Open XML), OpenDocument, "
        "and plain text or CSV"
    )


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_BYTES)


def _size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    file.seek(0, os.SEEK_END)
    end = file.tell()
    file.seek(0)
    return end


def _is_text(file: IO[bytes], head: bytes) -> str | None:
    """None when the whole file is UTF-8 text without NUL bytes and not markup; else what it
    seems to be."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(MARKUP):
        return _("an HTML, SVG or XML page")
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    while chunk := file.read(CHUNK):
        if b"\x00" in chunk:
            return _("binary data of an unknown type")
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return _("text that is not UTF-8, or binary data of an unknown type")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return _("text that is not UTF-8, or binary data of an unknown type")
    return None


def _described(kind: Any) -> str:
    """What a recognised but refused file is, in words, with its type for the curious."""
    if kind.mime in EXECUTABLES:
        return _("a program (%(type)s)") % {"type": kind.mime}
    if kind.mime in ARCHIVES:
        return _("an archive (%(type)s)") % {"type": kind.mime}
    return _("a file of type %(type)s") % {"type": kind.mime}


def check_attachment(file: IO[bytes] | Any, name: str | None = None) -> Attachment:
    """Check an attached file (a Django upload or any binary file object) and tell what it is;
    a `DomainError` when it is too large, empty or of a type not accepted. The file is left at
    its start."""
    raw_name = name if name is not None else (getattr(file, "name", None) or "")
    shown = os.path.basename(str(raw_name).replace("\\", "/"))[:NAME_LENGTH] or _("The file")
    limit = max_bytes()
    size = _size(file)
    if size > limit:
        raise DomainError(
            _("“%(name)s” is %(size)s: attached files are accepted up to %(limit)s.")
            % {"name": shown, "size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if size == 0:
        raise DomainError(_("“%(name)s” is empty.") % {"name": shown})
    file.seek(0)
    head = file.read(HEAD)
    kind = filetype.guess(head)
    seems: str | None
    if kind is not None:
        content_type = kind.mime
        seems = None if content_type in BINARY else _described(kind)
    else:
        seems = _is_text(file, head)
        content_type = CSV if shown.lower().endswith(".csv") else TEXT
    file.seek(0)
    if seems is not None:
        raise DomainError(
            _(
                "“%(name)s” seems to be %(seems)s: only %(types)s files are accepted, "
                "up to %(limit)s."
            )
            % {
                "name": shown,
                "seems": seems,
                "types": accepted_types(),
                "limit": filesizeformat(limit),
            }
        )
    return Attachment(name=shown, content_type=content_type, size=size)
