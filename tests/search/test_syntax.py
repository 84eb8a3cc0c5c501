"""The query language: words, phrases, exclusions, OR, prefixes, and forgiving handling of bad input."""

from __future__ import annotations

import pytest

from helpdesk.search.syntax import (
    MAX_QUERY_CHARS,
    AnyOf,
    Not,
    Phrase,
    Prefix,
    Words,
    parse,
    word_spans,
)


def test_plain_words_stay_one_run_so_model_numbers_keep_their_space():
    assert parse("WM 7KG-X noisy").clauses == [Words("WM 7KG-X noisy", 0)]


def test_phrase_exclusion_or_and_prefix():
    parsed = parse('"door seal" -refund fridge OR freezer compress*')
    assert parsed.clauses == [
        Phrase("door seal"),
        Not(Words("refund", 13)),
        AnyOf((Words("fridge", 20), Words("freezer", 30))),
        Prefix("compress"),
    ]
    assert not parsed.notices


def test_not_and_excluded_phrase():
    assert parse('fridge NOT noise -"door seal"').clauses == [Words("fridge", 0), Not(Words("noise", 11)), Not(Phrase("door seal"))]


@pytest.mark.parametrize(
    ("raw", "notice"),
    [
        ('"unbalanced quote', "quote was not closed"),
        ("OR", "OR needs a word"),
        ("fridge OR", "OR needs a word"),
        ("OR OR fridge", "OR needs a word"),
        ("*", "at least 2 letters"),
        ("a*", "at least 2 letters"),
        ("-fridge", "cannot be only exclusions"),
        ("NOT", "NOT needs a word"),
        ("x" * 10_000, f"first {MAX_QUERY_CHARS}"),
    ],
)
def test_bad_input_gets_a_helpful_notice(raw, notice):
    parsed = parse(raw)
    assert any(notice in message for message in parsed.notices), parsed.notices


def test_unclosed_quote_searches_the_rest_as_a_phrase():
    assert parse('fridge "door seal').clauses == [Words("fridge", 0), Phrase("door seal")]


@pytest.mark.parametrize("raw", ["", "   ", "-", "--", "+", '""', '" "', "(((", ")", "…", "\x00\x07", "AND", "&&", "||"])
def test_nothing_to_search_for_is_an_empty_query_not_an_error(raw):
    assert parse(raw).is_empty


def test_control_and_invisible_characters_are_dropped():
    parsed = parse("fri\x00dge\u202e \x1b[31mnoise")
    assert "\x00" not in parsed.text and "\u202e" not in parsed.text and "\x1b" not in parsed.text
    assert parsed.clauses


def test_devanagari_joiners_survive_cleaning():
    assert "\u200d" in parse("क्\u200dष").text


def test_brackets_are_ignored():
    assert parse("(fridge OR freezer)").clauses == [AnyOf((Words("fridge", 1), Words("freezer", 11)))]


def test_word_spans_point_into_the_cleaned_text():
    parsed = parse("compresor noise")
    assert [(parsed.text[s:e], w) for s, e, w in word_spans(parsed)] == [("compresor", "compresor"), ("noise", "noise")]
