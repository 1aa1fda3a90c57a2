"""Vietnamese folding and alphabetical order (chiso.units.text)."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from chiso.units.text import VIETNAMESE_ALPHABET, fold, sort_key, tone_of

# Every vowel with every tone, composed (NFC), lower and upper case; plus đ/Đ.
_BASES = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]
_TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # none, huyền, hỏi, ngã, sắc, nặng
VOWELS = [unicodedata.normalize("NFC", b + t) for b in _BASES for t in _TONES]
ACCENTED = sorted({ch for v in VOWELS for ch in (v, v.upper())} | {"đ", "Đ"} - set("aeiouyAEIOUY"))
LETTERS = VOWELS + [v.upper() for v in VOWELS] + list("bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX")
vietnamese_text = st.text(alphabet=st.sampled_from(LETTERS + [" ", "-", "1", "2"]), max_size=30)


def test_fold_examples() -> None:
    assert fold("Thành phố Đà Nẵng") == "thanh pho da nang"
    assert fold("ĐẮK LẮK") == "dak lak"
    assert fold("Thuận Hoà") == fold("Thuận Hòa") == "thuan hoa"
    # decomposed input (NFD, as some Windows tools write it) folds the same way
    assert fold(unicodedata.normalize("NFD", "Quảng Nam")) == "quang nam"


def test_fold_removes_every_vietnamese_diacritic() -> None:
    folded = fold("".join(ACCENTED))
    assert set(folded) <= set("aeiouyd")
    assert len(folded) == len(ACCENTED)


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(vietnamese_text)
def test_fold_leaves_only_plain_ascii_for_vietnamese(text: str) -> None:
    folded = fold(text)
    assert folded.isascii()
    assert folded == folded.lower()
    assert len(folded) == len(unicodedata.normalize("NFC", text))


def test_alphabet_order() -> None:
    letters = list(VIETNAMESE_ALPHABET)
    shuffled = letters[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == letters
    # the hand-written order of the brief, foreign letters left out
    native = [x for x in sorted(shuffled, key=sort_key) if x not in "fjwz"]
    assert " ".join(native) == "a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y"


def test_tones_are_secondary_in_tcvn_order() -> None:
    assert sorted(["má", "mạ", "mà", "mã", "ma", "mả"], key=sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    # the letter decides before the tone: "mạ" (a) before "mă" (ă)
    assert sorted(["mă", "mạ"], key=sort_key) == ["mạ", "mă"]
    assert tone_of("Đà Nẵng") == (0, 1, 0, 3, 0, 0)  # Đ à N ẵ n g


def test_hand_checked_names() -> None:
    expected = [
        "An Giang",
        "Ăn Năn",
        "Ân Thi",
        "Ba Đình",
        "Bà Rịa - Vũng Tàu",
        "Bạc Liêu",
        "Bắc Giang",
        "Bắc Ninh",
        "Cà Mau",
        "Cao Bằng",
        "Cần Thơ",
        "Dầu Tiếng",
        "Đà Lạt",
        "Đà Nẵng",
        "Điện Biên",
        "Gia Lai",
        "Hà Nội",
        "Hải Châu",
        "Hòa Vang",
        "Ô Môn",
        "Ơ Lẻ",
        "Phường 2",
        "Phường 10",
        "Thái Bình",
        "Thanh Hóa",
        "Ứng Hòa",
        "Yên Bái",
    ]
    shuffled = expected[:]
    random.Random(42).shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == expected


def test_upper_and_lower_case_sort_together() -> None:
    assert sorted(["đà nẵng", "Cao Bằng", "ĐÀ LẠT"], key=sort_key) == ["Cao Bằng", "ĐÀ LẠT", "đà nẵng"]


plain = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=12)


@given(plain, plain)
def test_plain_words_sort_like_latin(a: str, b: str) -> None:
    """Without diacritics, spaces or digits the Vietnamese order is the Latin one."""
    assert (sort_key(a) < sort_key(b)) == (a < b)


@given(vietnamese_text, vietnamese_text)
def test_sort_key_is_a_total_order_consistent_with_equality(a: str, b: str) -> None:
    ka, kb = sort_key(a), sort_key(b)
    assert (ka == kb) == (a == b)
    assert (ka < kb) != (kb < ka) or a == b


@given(vietnamese_text)
def test_tones_never_change_the_primary_order(text: str) -> None:
    """Removing tones keeps the primary key: tones are only a secondary difference."""
    toneless = unicodedata.normalize(
        "NFC", "".join(ch for ch in unicodedata.normalize("NFD", text) if ch not in _TONES)
    )
    assert sort_key(toneless)[0] == sort_key(text)[0]
    assert set(sort_key(toneless)[1]) <= {0}
    assert len(sort_key(toneless)[1]) == len(sort_key(text)[1])
