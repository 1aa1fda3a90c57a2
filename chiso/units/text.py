"""Vietnamese text helpers: accent-free folding for search and alphabetical sort keys.

Pure functions on strings; imports nothing from chiso, touches no database, file or clock.

The sort order follows the Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v
x y; the foreign letters f j w z sit where Latin puts them) with the tones as a secondary key in the
order of TCVN 5712 and CLDR's Vietnamese collation: none, huyền (grave), hỏi (hook), ngã (tilde),
sắc (acute), nặng (dot below). Runs of digits compare as numbers ("Phường 2" before "Phường 10").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold", "sort_key", "tone_of", "VIETNAMESE_ALPHABET"]

# The 29 letters, in order; f, j, w, z are not Vietnamese but occur in names (Wonder, Zô...).
VIETNAMESE_ALPHABET = (
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n",
    "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
)  # fmt: skip
_LETTER_RANK = {letter: rank for rank, letter in enumerate(VIETNAMESE_ALPHABET)}

# Combining marks that make a different letter (primary difference) ...
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_LETTER_MARKS = {
    ("a", _BREVE): "ă",
    ("a", _CIRCUMFLEX): "â",
    ("e", _CIRCUMFLEX): "ê",
    ("o", _CIRCUMFLEX): "ô",
    ("o", _HORN): "ơ",
    ("u", _HORN): "ư",
}
# ... and the five tone marks (secondary difference), in collation order after "no tone" = 0.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

_SPACE, _NUMBER, _LETTER, _OTHER = 0, 1, 2, 3
_TOKEN = re.compile(r"(?P<space>\s+)|(?P<number>\d+)|(?P<other>.)", re.DOTALL)


def fold(text: str) -> str:
    """Return `text` lower-cased with every accent removed and đ turned into d.

    Used for accent-insensitive search: ``fold("Đà Nẵng") == fold("da nang") == "da nang"``.
    Idempotent: ``fold(fold(x)) == fold(x)``.

    Args:
        text: any string.

    Returns:
        The folded string (NFC), same words and spacing as the input.
    """
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).lower())
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare.replace("đ", "d"))


def _letters(text: str) -> list[tuple[str, int, bool]]:
    """Split `text` into (base character, tone rank, is_upper) after NFD decomposition."""
    out: list[tuple[str, int, bool]] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn" and out:
            base, tone, upper = out[-1]
            if ch in _TONE_RANK:
                out[-1] = (base, _TONE_RANK[ch], upper)
            elif (base, ch) in _LETTER_MARKS:
                out[-1] = (_LETTER_MARKS[(base, ch)], tone, upper)
            # any other mark (e.g. a stray accent on a foreign letter) is ignored
            continue
        lower = ch.lower()
        out.append((lower if len(lower) == 1 else ch, 0, ch != lower))
    return out


def tone_of(text: str) -> tuple[int, ...]:
    """Return the tone rank (0 none .. 5 nặng) of each letter of `text`, in order."""
    return tuple(tone for base, tone, _ in _letters(text) if base.isalpha())


@lru_cache(maxsize=1 << 16)
def sort_key(text: str) -> tuple[object, ...]:
    """Return a key that sorts strings in Vietnamese alphabetical order (cached: lists sort the same
    ~14,000 unit names on every request, and building a key costs ~35 µs).

    Primary: letters by the Vietnamese alphabet, words compared one by one (a space sorts before
    any letter, so "Ba" < "Ba Đình" < "Bác"), digit runs as numbers, punctuation ignored.
    Secondary: the tones, letter by letter. Tertiary: lower case before upper case, then the text.

    Args:
        text: any string (a name, a code).

    Returns:
        A tuple usable as ``sorted(names, key=sort_key)``.
    """
    primary: list[tuple[int, int]] = []
    secondary: list[int] = []
    tertiary: list[int] = []
    for match in _TOKEN.finditer(text.strip()):
        token = match.group()
        if match.lastgroup == "space":
            if primary and primary[-1][0] != _SPACE:
                primary.append((_SPACE, 0))
            continue
        if match.lastgroup == "number":
            primary.append((_NUMBER, int(token)))
            secondary.append(0)
            tertiary.append(0)
            continue
        for base, tone, upper in _letters(token):
            if base in _LETTER_RANK:
                primary.append((_LETTER, _LETTER_RANK[base]))
            elif base.isalpha():
                # Another alphabet or a letter with a foreign accent: fold it to a Latin letter if we can.
                folded = fold(base)
                rank = _LETTER_RANK.get(folded[:1]) if folded else None
                primary.append((_LETTER, rank) if rank is not None else (_OTHER, ord(base)))
            elif base.isalnum():
                primary.append((_NUMBER, unicodedata.digit(base, 0)))
            else:
                continue  # punctuation and symbols are ignorable
            secondary.append(tone)
            tertiary.append(int(upper))
    while primary and primary[-1][0] == _SPACE:
        primary.pop()
    return (tuple(primary), tuple(secondary), tuple(tertiary), text)
