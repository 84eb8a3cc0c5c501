"""Our text analysis: NFC, whole Devanagari words, nukta folding, Hinglish variants, English stems, model numbers."""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# --- characters ---------------------------------------------------------------------------------

# Python's \w has no combining marks (Unicode Mn/Mc), so vowel signs and the virama would split
# Devanagari words ("ग्राहक" -> "ग", "र", "हक"). These ranges are the ones Hindi text needs; every
# other combining mark is added below so other Indic scripts and stray Latin diacritics stay whole too.
DEVANAGARI_MARKS = "\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963"
ZERO_WIDTH_JOINERS = "\u200c\u200d"


def _other_combining_marks() -> str:
    ranges: list[tuple[int, int]] = []
    for code in range(0x0300, 0x10000):
        if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(f"\\u{a:04x}-\\u{b:04x}" if a != b else f"\\u{a:04x}" for a, b in ranges)


# [^\W_] is "letter or digit": the underscore joins codes (see HARD_JOINERS) rather than words.
_WORD = re.compile(f"(?:[^\\W_]|[{DEVANAGARI_MARKS}{ZERO_WIDTH_JOINERS}{_other_combining_marks()}])+")

NUKTA = "\u093c"
CHANDRABINDU, ANUSVARA = "\u0901", "\u0902"
_DEVANAGARI_FOLD = str.maketrans(
    {NUKTA: None, "\u200c": None, "\u200d": None, CHANDRABINDU: ANUSVARA}
    | {chr(0x0966 + digit): str(digit) for digit in range(10)}
)
_DEVANAGARI = re.compile("[\u0900-\u097f]")

# Longer "words" are base64, hashes or pasted junk: nobody searches for them, and they bloat the index.
MAX_TERM_LENGTH = 64
# Separators inside one code: "RF-2301", "ORD-2021-0184070", "24/7", "v1.2", "WM_7KG".
HARD_JOINERS = frozenset("-/._")
_SHORT_CAPS = re.compile(r"[A-Z]{1,4}")


def normalise(text: str) -> str:
    """The form we index and display: NFC, so both spellings of a nukta letter are one string."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


# --- Hinglish and English -----------------------------------------------------------------------


def collapse_repeats(word: str) -> str:
    """'kharaab' -> 'kharab', 'theekk' -> 'thek', 'plzz' -> 'plz': Hinglish spellings double letters at will."""
    if len(word) < 2:
        return word
    out = [word[0]]
    for char in word[1:]:
        if char != out[-1]:
            out.append(char)
    return "".join(out)


# Spelling variants that letter-collapsing alone does not unite, mapped to one form. Keys are
# written as people type them and collapsed at import. Words listed here are also never stemmed,
# which keeps Hinglish verbs such as "hote" apart from the English "hot".
_HINGLISH_VARIANTS: dict[str, tuple[str, ...]] = {
    "nahi": ("nahi", "nahin", "nhi", "nai", "nahee", "naheen", "nhin", "nahiin"),
    "kharab": ("kharab", "khraab", "khrab", "kharaab", "kharb", "kharap", "kharaabb"),
    "jaldi": ("jaldi", "jldi", "jaldee", "jldii"),
    "bahut": ("bahut", "bohot", "bhot", "bahot", "bohat", "bhut", "boht", "bahoot"),
    "please": ("please", "pls", "plz", "plzz", "plese", "plis"),
    "thik": ("thik", "theek", "thk", "theekk", "theak", "thek"),
    "kya": ("kya", "kyaa", "kia"),
    "accha": ("accha", "acha", "achha", "acchha", "achaa"),
    "kyun": ("kyun", "kyu", "kyon", "kiu", "kyoon", "kyo"),
    "abhi": ("abhi", "abi", "abhee"),
    "paisa": ("paisa", "paise", "pesa", "pese", "paisaa"),
    "thanda": ("thanda", "thnda", "thanda"),
    "garam": ("garam", "garm", "garum"),
    "awaz": ("awaz", "awaaz", "aawaz", "awaj", "avaz", "avaaz", "aawaaz"),
    "pani": ("pani", "paani", "panee", "paanee"),
    "wapas": ("wapas", "vapas", "wapis", "vapis"),
    "chahiye": ("chahiye", "chahie", "chaiye", "chahye", "chahiyee"),
    "mein": ("mein", "mei", "mien"),
    "hain": ("hain", "hein", "hai n"),
    "raha": ("raha", "rha"),
    "rahi": ("rahi", "rhi"),
    "rahe": ("rahe", "rhe"),
    "gaya": ("gaya", "gya"),
    "gayi": ("gayi", "gyi", "gai"),
    "kar": ("kar", "kr"),
    "karo": ("karo", "kro"),
    "karna": ("karna", "krna"),
    "bhi": ("bhi", "bhee"),
    # Common Hinglish words that end like English inflections: listed so the stemmer leaves them alone.
    "hote": ("hote",),
    "gaye": ("gaye",),
    "aaye": ("aaye", "aye"),
    "jate": ("jaate", "jate"),
    "karte": ("karte",),
    "chalte": ("chalte",),
    "lagte": ("lagte",),
    "kapde": ("kapde", "kapre"),
    "gele": ("geele", "gile"),
    "liye": ("liye", "liya"),
    "kiye": ("kiye",),
    "pehle": ("pehle", "pahle", "phle"),
    "aise": ("aise", "aese"),
    "hue": ("hue", "huye"),
    "tha": ("tha",),
    "thi": ("thi",),
    "the": ("the",),
}
HINGLISH_TABLE: dict[str, str] = {
    collapse_repeats(variant.replace(" ", "")): collapse_repeats(canonical)
    for canonical, variants in _HINGLISH_VARIANTS.items()
    for variant in variants
}


def stem_english(word: str, *, plural_s: bool = True) -> str:
    """A light English stemmer for plurals and -ed/-ing forms; runs on letter-collapsed words.

    Collapsing doubled letters first ("stopped" -> "stoped") means we never have to undouble, and
    stripping a final "e" afterwards makes "make", "makes" and "making" agree. Collapsing also hides
    a word's "ss" ("class" -> "clas"), so the caller says whether a final "s" may be a plural.
    """
    if len(word) <= 3:
        return word
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    stemmed = word
    if word.endswith("ing") and _has_vowel(word[:-3]) and len(word) - 3 >= 3:
        stemmed = word[:-3]
    elif word.endswith("ed") and _has_vowel(word[:-2]) and len(word) - 2 >= 3:
        stemmed = word[:-2]
    elif word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")) and len(word) - 2 >= 3:
        stemmed = word[:-2]
    elif plural_s and word.endswith("s") and not word.endswith(("us", "is", "ss")) and len(word) - 1 >= 3:
        stemmed = word[:-1]
    if stemmed.endswith("e") and len(stemmed) - 1 >= 3:
        stemmed = stemmed[:-1]
    return stemmed


def _has_vowel(text: str) -> bool:
    return any(char in "aeiouy" for char in text)


# --- one word -> one term -----------------------------------------------------------------------


@lru_cache(maxsize=262_144)
def term(word: str) -> str:
    """The indexed form of one word as the tokenizer found it (cached: a corpus repeats its words)."""
    if _DEVANAGARI.search(word):
        return sys.intern(word.translate(_DEVANAGARI_FOLD))
    lowered = word.lower()
    if lowered.isascii() and lowered.isalpha():
        collapsed = collapse_repeats(lowered)
        variant = HINGLISH_TABLE.get(collapsed)
        if variant is not None:
            return sys.intern(variant)
        return sys.intern(stem_english(collapsed, plural_s=not lowered.endswith("ss")))
    if any(char.isdigit() for char in lowered):
        return sys.intern(lowered.translate(_DEVANAGARI_FOLD))
    return sys.intern(lowered)


@lru_cache(maxsize=65_536)
def prefix_term(word: str) -> str:
    """The indexed form of a typed prefix ("compress*"): folded like a word, but never stemmed."""
    if _DEVANAGARI.search(word):
        return word.translate(_DEVANAGARI_FOLD)
    lowered = word.lower()
    if lowered.isascii() and lowered.isalpha():
        return collapse_repeats(lowered)
    return lowered.translate(_DEVANAGARI_FOLD)


# --- whole texts --------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Token:
    """One indexed term: where it sits (position, characters in the normalised text) and what it covers.

    A code token ("rf2301" for "RF-2301") shares the position of its first piece and spans `pieces`
    positions, so a query can ask for the joined form or the pieces as a phrase.
    """

    term: str
    pos: int
    start: int
    end: int
    pieces: int = 1

    @property
    def is_code(self) -> bool:
        return self.pieces > 1


def _link(previous: str, separator: str, current: str) -> str | None:
    """How two neighbouring words belong to one code: "hard" (RF-2301), "digits" (4821 0937 5), "soft" (WM 7KG)."""
    if len(separator) == 1 and separator in HARD_JOINERS:
        return "hard"
    if separator != " ":
        return None
    if previous.isdigit() and current.isdigit():
        return "digits"
    if _SHORT_CAPS.fullmatch(previous) and any(char.isdigit() for char in current):
        return "soft"
    return None


def _runs(links: list[str | None], kinds: frozenset[str]) -> list[tuple[int, int]]:
    """Maximal runs of words joined by links of these kinds, as (first, stop) index pairs."""
    runs, first = [], 0
    for index in range(1, len(links) + 1):
        if index == len(links) or links[index] not in kinds:
            if index - first >= 2:
                runs.append((first, index))
            first = index
    return runs


_HARD, _DIGITS = frozenset({"hard"}), frozenset({"digits"})


def _prefixed_codes(links: list[str | None]) -> list[tuple[int, int]]:
    """A short capitalised word joined by a space to the code after it: "WM" + "7KG-X" -> (wm, 7kg, x)."""
    spans = []
    for index, link in enumerate(links):
        if link == "soft" and links[index - 1] != "hard":
            stop = index + 1
            while stop < len(links) and links[stop] == "hard":
                stop += 1
            spans.append((index - 1, stop))
    return spans


def analyze(text: str) -> list[Token]:
    """Tokens for a normalised text: each word once, plus one joined token per code made of several parts.

    Codes are emitted whole ("WM 7KG-X" -> "wm7kgx") and by their hyphenated part ("7kgx"); digit
    groups read out with spaces ("4821 0937 5") are joined too, so an agent finds a number however
    the caller read it out.
    """
    matches = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    tokens = [Token(term(word), index, start, end) for index, (start, end, word) in enumerate(matches)
              if len(word) <= MAX_TERM_LENGTH]
    if len(matches) < 2:
        return tokens
    links: list[str | None] = [None]
    for index in range(1, len(matches)):
        links.append(_link(matches[index - 1][2], text[matches[index - 1][1]:matches[index][0]], matches[index][2]))
    if not any(links):
        return tokens
    spans = dict.fromkeys(_runs(links, _HARD) + _runs(links, _DIGITS) + _prefixed_codes(links))
    for first, stop in spans:
        joined = "".join(word for _, _, word in matches[first:stop]).lower().translate(_DEVANAGARI_FOLD)
        if len(joined) <= MAX_TERM_LENGTH and any(char.isdigit() for char in joined):
            tokens.append(Token(sys.intern(joined), first, matches[first][0], matches[stop - 1][1], pieces=stop - first))
    # Positions must rise within each term for phrase matching; a code shares its first piece's position.
    tokens.sort(key=lambda token: (token.pos, token.pieces))
    return tokens


def words(text: str) -> list[str]:
    """The words of a text as typed (no folding): for prefixes and "did you mean"."""
    return _WORD.findall(normalise(text))


def terms(text: str) -> list[str]:
    """Just the terms of a text, in order (tests and the query side use this)."""
    return [token.term for token in analyze(normalise(text))]


# --- stop words (query side only) ---------------------------------------------------------------

# The index keeps every word so "exact phrases" with "the" or "ka" still match; a bare query word
# this common would only cost time and add nothing to the ranking, so queries drop these.
_STOP_WORDS = """
a an and are as at be been but by for from has have he her his i if in into is it its me my
of on or our she so than that the their them then there these they this to was we were which who will
with you your
ka ki ke ko se hai hain ho me mein pe par aur ne bhi to hi ye yeh wo woh tha thi the
का की के को से है हैं हो में पर और ने भी तो ही यह वह था थी थे
""".split()
STOP_TERMS = frozenset(term(word) for word in _STOP_WORDS)


def is_stop_term(value: str) -> bool:
    return value in STOP_TERMS
