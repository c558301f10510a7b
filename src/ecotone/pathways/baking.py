"""Baking an Open Badges 3.0 credential into a PNG, and reading it back (Django-free).

OB 3.0 baking (section "Badge Baking", PNG): an `iTXt` chunk with keyword "openbadgecredential",
no compression, whose text is the credential: here the compact JWS (the spec allows the JWS
or the JSON of an embedded-proof credential). One such chunk per image; an existing one is
replaced. The image is the achievement's when it is a PNG, else a plain generated square.
"""

from __future__ import annotations

import io

from PIL import Image, PngImagePlugin, UnidentifiedImageError

KEYWORD = "openbadgecredential"
# Refuse images larger than this (decompression bombs): a badge is a small picture.
MAX_PIXELS = 4096 * 4096
PLAIN_SIZE = 256
PLAIN_COLOUR = (31, 111, 84)  # Ecotone green


class NotABadgeError(ValueError):
    """The file is not a PNG, or holds no baked credential."""


def plain_png(size: int = PLAIN_SIZE) -> bytes:
    """A plain square PNG, for an achievement without an image."""
    out = io.BytesIO()
    Image.new("RGB", (size, size), PLAIN_COLOUR).save(out, format="PNG")
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.format != "PNG":
            raise NotABadgeError("not a PNG")
        if image.width * image.height > MAX_PIXELS:
            raise NotABadgeError("image too large")
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise NotABadgeError(str(error)) from error
    return image


def bake(credential: str, image: bytes | None = None) -> bytes:
    """The PNG `image` (or a plain one when it is None or not a PNG) with `credential` baked."""
    try:
        picture = _open(image) if image else _open(plain_png())
    except NotABadgeError:
        picture = _open(plain_png())
    info = PngImagePlugin.PngInfo()
    for key, value in picture.text.items() if hasattr(picture, "text") else ():
        if key != KEYWORD and isinstance(value, str):
            info.add_text(key, value)
    info.add_itxt(KEYWORD, credential, zip=False)
    out = io.BytesIO()
    picture.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def unbake(data: bytes) -> str:
    """The credential baked into a PNG; NotABadgeError when there is none."""
    picture = _open(data)
    text = getattr(picture, "text", {}).get(KEYWORD)
    if not isinstance(text, str) or not text.strip():
        raise NotABadgeError("no openbadgecredential chunk")
    return text.strip()
