"""The one place that finds a font covering Chinese, for the images the app draws (share cards).

The project's set-up installs Debian's ``fonts-noto-cjk`` (scripts/bootstrap, the Dockerfile's
runtime stage); ``fonts-wqy-microhei`` also does. Their known paths are tried first (no process
to start), then fontconfig (``fc-match`` for a font that covers zh-cn, checked to say so, since
fc-match always answers with *some* font). Nothing found is ``FontMissing``, with what to
install: a card with boxes for every Chinese character would be worse than no card.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageFont

INSTALL_HINT = "install Debian's fonts-noto-cjk (scripts/bootstrap does, as root) or fonts-wqy-microhei"


class FontMissing(RuntimeError):
    """No font that covers Chinese is installed."""


@dataclass(frozen=True)
class FontFace:
    path: str
    #: the face's index in a collection (.ttc): Noto's Simplified Chinese face is the third
    index: int = 0


@dataclass(frozen=True)
class CardFonts:
    regular: FontFace
    bold: FontFace


#: (regular, bold) of the Debian packages, Simplified Chinese faces first
KNOWN: tuple[CardFonts, ...] = (
    CardFonts(
        FontFace("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
        FontFace("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ),
    CardFonts(
        FontFace("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
        FontFace("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    ),
)


def _fc_match(pattern: str) -> FontFace | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run(
            [fc_match, "-f", "%{file}|%{index}|%{lang}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, rest = found.partition("|")
    index, _, languages = rest.partition("|")
    if "zh-cn" not in languages.split("|") or not Path(path).is_file():
        return None
    return FontFace(path, int(index or 0))


@cache
def card_fonts() -> CardFonts:
    """The regular and bold faces to draw Chinese and Latin text with; FontMissing if none."""
    for fonts in KNOWN:
        if Path(fonts.regular.path).is_file() and Path(fonts.bold.path).is_file():
            return fonts
    regular = _fc_match(":lang=zh-cn")
    if regular is None:
        raise FontMissing(f"No font covering Chinese was found: {INSTALL_HINT}.")
    return CardFonts(regular, _fc_match(":lang=zh-cn:weight=bold") or regular)


#: a card draws a handful of sizes (shrinking a long name to fit adds a few)
@lru_cache(maxsize=64)
def load(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(face.path, size, index=face.index)
