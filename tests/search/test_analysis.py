"""Our analyzer: Devanagari words whole, nukta folding, Hinglish variants, English stems, model numbers as typed."""

from __future__ import annotations

import unicodedata

import pytest
from whoosh.analysis import StandardAnalyzer

from helpdesk.search import analysis
from helpdesk.search.analysis import analyze, normalise, terms

HINDI = "ग्राहक ने वारंटी दावा किया"


def test_stock_whoosh_analyzer_breaks_devanagari():
    """Why we have our own: the stock analyzer splits at vowel signs and drops the pieces."""
    stock = [token.text for token in StandardAnalyzer()(HINDI)]
    assert "ग्राहक" not in stock and "वारंटी" not in stock
    assert len(stock) < 3


def test_devanagari_words_survive_whole():
    assert terms(HINDI) == ["ग्राहक", "ने", "वारंटी", "दावा", "किया"]


@pytest.mark.parametrize("word", ["ग्राहक", "वारंटी", "ख़राब", "क्षतिग्रस्त", "ठंडा", "ज़्यादा"])
def test_each_word_is_one_token(word):
    assert len(terms(f"({word}),")) == 1


def test_tokenizer_admits_the_devanagari_combining_marks_and_joiners():
    ranges = [(0x0900, 0x0903), (0x093A, 0x094F), (0x0951, 0x0957), (0x0962, 0x0963), (0x200C, 0x200D)]
    for low, high in ranges:
        for code in range(low, high + 1):
            word = "क" + chr(code) + "ख"
            assert [token.start for token in analyze(word)] == [0], f"U+{code:04X} splits a word"


def test_nukta_spellings_are_one_word():
    precomposed = "\u0916\u093c\u0930\u093e\u092c"  # ख + nukta, as NFC stores it
    legacy = "\u0959\u0930\u093e\u092c"  # the precomposed letter KHHA, which NFC decomposes
    without = "\u0916\u0930\u093e\u092c"  # no nukta at all, as many people type it
    assert unicodedata.normalize("NFC", legacy) == precomposed
    assert terms(precomposed) == terms(legacy) == terms(without) == ["खराब"]


def test_zero_width_joiners_and_chandrabindu_do_not_change_the_word():
    assert terms("क्\u200dष") == terms("क्ष")
    assert terms("नहीँ") == terms("नहीं")


def test_devanagari_digits_match_ascii_digits():
    assert terms("१२३४") == ["1234"]


@pytest.mark.parametrize(
    "variants",
    [
        ("kharab", "khraab", "kharaab", "khrab", "KHARAB"),
        ("nahi", "nahin", "nhi", "nahiin"),
        ("theek", "thik", "thk", "theekk"),
        ("bahut", "bohot", "bhot", "bahot"),
        ("jaldi", "jldi"),
        ("paani", "pani"),
        ("please", "pls", "plz", "plzz"),
    ],
)
def test_hinglish_spellings_of_one_word_meet(variants):
    assert len({tuple(terms(v)) for v in variants}) == 1, {v: terms(v) for v in variants}


def test_hinglish_words_are_not_stemmed_into_english_ones():
    assert terms("hote") != terms("hot")


@pytest.mark.parametrize(
    "forms",
    [
        ("leak", "leaks", "leaking", "leaked"),
        ("noise", "noises"),
        ("make", "makes", "making"),
        ("stop", "stops", "stopped", "stopping"),
        ("battery", "batteries"),
        ("box", "boxes"),
        ("class", "classes"),
        ("repair", "repairs", "repaired", "repairing"),
    ],
)
def test_english_words_match_their_plural_and_verb_forms(forms):
    assert len({tuple(terms(form)) for form in forms}) == 1, {form: terms(form) for form in forms}


def test_short_words_and_unrelated_words_stay_apart():
    assert terms("bus") == ["bus"] and terms("status") == ["status"]
    assert terms("fan") != terms("fun")


def test_model_numbers_are_searchable_as_typed():
    hyphenated, joined = analyze("RF-2301"), analyze("rf2301")
    assert "rf2301" in [t.term for t in hyphenated] and [t.term for t in joined] == ["rf2301"]
    spaced = [t.term for t in analyze(normalise("Model WM 7KG-X is noisy"))]
    assert {"model", "wm", "7kg", "x", "7kgx", "wm7kgx", "noisy"} <= set(spaced)


def test_code_tokens_cover_their_pieces():
    code = next(t for t in analyze("call about RF-2301 today") if t.is_code)
    assert (code.term, code.pos, code.pieces) == ("rf2301", 2, 2)
    assert "call about RF-2301 today"[code.start:code.end] == "RF-2301"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ID 4821 0937 5", "482109375"),
        ("ORD-2021-0184070", "ord20210184070"),
        ("T-036614", "t036614"),
        ("W-2026-000123", "w2026000123"),
        ("serial HIMREF2407064879", "himref2407064879"),
    ],
)
def test_customer_ticket_claim_order_and_serial_numbers(text, expected):
    assert expected in terms(text)


def test_words_without_digits_are_not_joined():
    assert terms("front-load washer") == ["front", "load", "washer"]


def test_positions_rise_for_every_term():
    tokens = analyze("RF-2301 and rf2301")
    for term in {t.term for t in tokens}:
        positions = [t.pos for t in tokens if t.term == term]
        assert positions == sorted(positions)


def test_absurdly_long_words_are_not_indexed():
    assert terms("a" * 500) == []


def test_normalise_is_nfc():
    assert normalise("e\u0301") == "\u00e9"


def test_stop_terms_are_analysed_forms():
    assert analysis.is_stop_term(terms("the")[0]) and analysis.is_stop_term(terms("है")[0])
    assert not analysis.is_stop_term(terms("nahi")[0])
