"""Names compared across scripts and spellings: Devanagari read in Latin letters, then a fuzzy score."""

from __future__ import annotations

import re
import unicodedata

from indic_transliteration import sanscript
from rapidfuzz import fuzz

# A score (0-100) from which two names count as "very similar". 92 keeps "Rajesh Kumar" / "Rajesh Kumaar" /
# "राजेश कुमार" together but "Rajesh Kumar" / "Ramesh Kumar" (one letter in twelve: 91.7) apart.
SIMILAR_NAME_SCORE = 92

_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
# ITRANS writes the inherent vowel as a lower-case "a" and the long one as "A": Hindi drops the inherent vowel at
# the end of a word (राजेश is "Rajesh", not "Rajesha"), so a word-final lower-case "a" after a consonant goes.
_FINAL_SCHWA = re.compile(r"(?<=[b-df-hj-np-tv-zB-DF-HJ-NP-TV-Z])a\b")
# Spellings people use for one sound, folded to one (after lower-casing): long vowels, "w"/"v", "ph"/"f".
_FOLDS = (("aa", "a"), ("ee", "i"), ("ii", "i"), ("oo", "u"), ("uu", "u"), ("w", "v"), ("ph", "f"), ("z", "j"))
_NOT_LETTER = re.compile(r"[^a-z ]+")
_DOUBLED = re.compile(r"([a-z])\1+")


def latin_form(name: str) -> str:
    """The name in plain Latin letters, lower case, for comparing: "राजेश कुमार" and "Rajesh Kumaar" both give "rajesh kumar"."""
    text = unicodedata.normalize("NFC", name or "")
    if _DEVANAGARI.search(text):
        text = sanscript.transliterate(text, sanscript.DEVANAGARI, sanscript.ITRANS)
        text = _FINAL_SCHWA.sub("", text).replace("M", "n")  # anusvara: संजय is "Sanjay"
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(char for char in text if not unicodedata.combining(char))
    for spelled, folded in _FOLDS:
        text = text.replace(spelled, folded)
    text = _DOUBLED.sub(r"\1", _NOT_LETTER.sub(" ", text))
    return " ".join(text.split())


def name_similarity(first: str, second: str) -> float:
    """0-100: how alike two names are, whatever the script and word order."""
    a, b = latin_form(first), latin_form(second)
    if not a or not b:
        return 0.0
    return fuzz.token_sort_ratio(a, b)


def similar_names(first: str | None, second: str | None) -> bool:
    """True when two names are very likely the same person's."""
    return bool(first and second) and name_similarity(first, second) >= SIMILAR_NAME_SCORE
