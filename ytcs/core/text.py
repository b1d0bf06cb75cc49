"""Text helpers: diacritic folding for search ("nguyen thu ha" finds "Nguyễn Thu Hà")."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d) and collapse white space."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()


def search_tokens(query: str | None) -> list[str]:
    """Folded words of a search box entry; every word must match."""
    return [token for token in fold(query).split(" ") if token]
