"""Searching a known corpus: ranking, filters, languages, numbers, escaping, paging, suggestions and bad input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from helpdesk import ids
from helpdesk.search import service
from helpdesk.search.service import SearchParams
from tests import factories
from tests.search.conftest import build_index, make_agent, note

HOSTILE = "<script>alert('x')</script> <b>compressor</b> & \"quotes\" <img src=x onerror=alert(2)>"
PAGING_DOCS = 45


@dataclass
class Corpus:
    db: object
    engine: object
    asha: object
    ravi: object
    meera: object
    priya: object
    arjun: object
    fridge_ticket: object
    washer_ticket: object
    fridge_claim: object
    washer_claim: object
    notes: dict


@pytest.fixture(scope="module")
def corpus(store, tmp_path_factory) -> Corpus:
    db = store.db
    priya, arjun = make_agent(db, "Priya Test"), make_agent(db, "Arjun Test")
    asha = factories.customer(db, name="Asha Corpus")
    ravi = factories.customer(db, name="Ravi Corpus")
    meera = factories.customer(db, name="Meera Corpus")
    fridge = factories.product(db, name="Frost-free refrigerator", model_number="RF-2301", warranty_months=24)
    washer = factories.product(db, name="Front-load washer", model_number="WM 7KG-X", warranty_months=24)
    fridge_buy = factories.purchase(db, asha, on=date(2025, 1, 10), lines=[(fridge, "RF2301-SN-0001", 4_250_000)])
    washer_buy = factories.purchase(db, ravi, on=date(2025, 2, 10), lines=[(washer, "WM7-SN-7777", 3_199_900)])
    fridge_ticket = factories.ticket(db, asha, subject="Fridge compressor noisy", status="open", assignee_id=priya.id)
    washer_ticket = factories.ticket(db, ravi, subject="Washing machine error E4", status="solved", assignee_id=arjun.id)
    fridge_claim = factories.claim(db, asha, factories.line_of(db, fridge_buy),
                                   description="Compressor stopped cooling after a power cut")
    washer_claim = factories.claim(db, ravi, factories.line_of(db, washer_buy),
                                   description="ड्रम घूमता नहीं है, वारंटी में मरम्मत चाहिए")
    when = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    notes = {
        "phrase": note(db, asha, "The compressor makes a loud noise at night and the customer cannot sleep at all",
                       kind="call", channel="phone", author_id=priya.id, ticket_id=fridge_ticket.id, created_at=when),
        "scattered": note(db, asha, "Loud fan, some noise", author_id=priya.id, created_at=datetime(2026, 1, 15, tzinfo=UTC)),
        "e4": note(db, ravi, "Washing machine shows error E4 again, model WM 7KG-X", kind="email", channel="email",
                   author_id=arjun.id, ticket_id=washer_ticket.id, created_at=when),
        "hindi": note(db, ravi, "ग्राहक ने कहा ड्रम ख़राब है", kind="call", channel="phone", author_id=arjun.id, created_at=when),
        "hinglish": note(db, meera, "fridge kharab ho gaya, cooling nahi ho rahi", author_id=priya.id, created_at=when),
        "variant": note(db, meera, "Fridge khraab hai, technician bhejo jaldi", kind="reply", channel="email",
                        author_id=arjun.id, created_at=when),
        "hostile": note(db, meera, HOSTILE, created_at=when),
        "order": note(db, asha, "Customer asked about order ORD-2021-0184070 and its GST bill", created_at=when),
    }
    for index in range(PAGING_DOCS):
        notes[f"page{index}"] = note(db, meera, "pagingword " + "filler " * (index % 7), created_at=when)
    _, engine = build_index(db, tmp_path_factory.mktemp("corpus-index"))
    return Corpus(db, engine, asha, ravi, meera, priya, arjun, fridge_ticket, washer_ticket, fridge_claim,
                  washer_claim, notes)


def run(corpus: Corpus, q: str = "", **filters) -> service.SearchResults:
    with corpus.db.read() as session:
        return service.search(session, corpus.engine, SearchParams(q=q, **filters))


def keys(results) -> list[str]:
    return [hit.key for hit in results.hits]


def key(row, doc_type: str = "interaction") -> str:
    return f"{doc_type}:{row.id}"


# --- ranking and query syntax ---------------------------------------------------------------------


def test_the_exact_phrase_ranks_first(corpus):
    results = run(corpus, "loud noise")
    assert set(keys(results)) == {key(corpus.notes["phrase"]), key(corpus.notes["scattered"])}
    assert keys(results)[0] == key(corpus.notes["phrase"])


def test_a_quoted_phrase_needs_the_words_together(corpus):
    assert keys(run(corpus, '"loud noise"')) == [key(corpus.notes["phrase"])]


def test_exclusion(corpus):
    found = keys(run(corpus, "compressor -night"))
    assert key(corpus.notes["phrase"]) not in found and key(corpus.fridge_claim, "claim") in found


def test_or(corpus):
    found = set(keys(run(corpus, "E4 OR ड्रम")))
    assert {key(corpus.notes["e4"]), key(corpus.notes["hindi"]), key(corpus.washer_claim, "claim")} <= found


def test_prefix(corpus):
    found = set(keys(run(corpus, "compress*")))
    assert {key(corpus.notes["phrase"]), key(corpus.fridge_claim, "claim"), key(corpus.fridge_ticket, "ticket")} <= found


def test_english_stemming_matches_other_forms(corpus):
    assert key(corpus.notes["phrase"]) in keys(run(corpus, "noises"))
    assert key(corpus.fridge_claim, "claim") in keys(run(corpus, "stops cooling"))


# --- Hindi and Hinglish ---------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["ख\u093cराब", "\u0959राब", "खराब"])
def test_devanagari_query_finds_devanagari_text_with_or_without_nukta(corpus, word):
    assert keys(run(corpus, word)) == [key(corpus.notes["hindi"])]


def test_devanagari_phrase(corpus):
    assert key(corpus.washer_claim, "claim") in keys(run(corpus, '"घूमता नहीं"'))


@pytest.mark.parametrize("word", ["kharab", "khraab", "kharaab", "KHRAB"])
def test_hinglish_spellings_find_each_other(corpus, word):
    assert set(keys(run(corpus, word))) == {key(corpus.notes["hinglish"]), key(corpus.notes["variant"])}


@pytest.mark.parametrize("word", ["nahi", "nahin", "nhi"])
def test_nahi_variants(corpus, word):
    assert key(corpus.notes["hinglish"]) in keys(run(corpus, word))


# --- numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["RF-2301", "rf2301", "RF2301", "rf-2301"])
def test_model_number_however_typed(corpus, typed):
    assert key(corpus.fridge_claim, "claim") in keys(run(corpus, typed))


@pytest.mark.parametrize("typed", ["WM 7KG-X", "wm7kgx", "WM7KG-X", "7KG-X"])
def test_model_number_with_a_space(corpus, typed):
    found = keys(run(corpus, typed))
    assert key(corpus.notes["e4"]) in found and key(corpus.washer_claim, "claim") in found


def test_serial_number(corpus):
    assert key(corpus.fridge_claim, "claim") in keys(run(corpus, "RF2301-SN-0001"))


def test_ticket_and_claim_numbers(corpus):
    found = keys(run(corpus, corpus.fridge_ticket.number))
    assert key(corpus.fridge_ticket, "ticket") in found and key(corpus.notes["phrase"]) in found
    assert key(corpus.fridge_claim, "claim") in keys(run(corpus, corpus.fridge_claim.number.lower()))


def test_order_number(corpus):
    assert keys(run(corpus, "ord-2021-0184070")) == [key(corpus.notes["order"])]


@pytest.mark.parametrize("form", ["plain", "grouped", "dashed"])
def test_customer_id_with_or_without_spaces(corpus, form):
    code = corpus.ravi.code
    typed = {"plain": code, "grouped": ids.format_grouped(code), "dashed": ids.format_grouped(code).replace(" ", "-")}[form]
    found = set(keys(run(corpus, typed)))
    assert {key(corpus.notes["e4"]), key(corpus.notes["hindi"]), key(corpus.washer_ticket, "ticket")} <= found
    assert key(corpus.notes["phrase"]) not in found


# --- filters ----------------------------------------------------------------------------------------


def test_customer_filter_with_spaces(corpus):
    results = run(corpus, "compressor", customer=ids.format_grouped(corpus.asha.code))
    assert results.hits and all(hit.customer_id == corpus.asha.code for hit in results.hits)
    assert key(corpus.notes["hostile"]) not in keys(results)


def test_kind_filter(corpus):
    results = run(corpus, "compressor", kinds=["claim"])
    assert keys(results) == [key(corpus.fridge_claim, "claim")]
    assert {h.kind for h in run(corpus, "compressor", kinds=["ticket", "call"]).hits} == {"ticket", "call"}


def test_channel_filter(corpus):
    assert {h.key for h in run(corpus, "fridge", channel="email").hits} == {key(corpus.notes["variant"])}


def test_ticket_status_filter(corpus):
    found = set(keys(run(corpus, "E4", status="solved")))
    assert found == {key(corpus.notes["e4"]), key(corpus.washer_ticket, "ticket")}
    assert keys(run(corpus, "E4", status="open")) == []


def test_agent_filter(corpus):
    found = keys(run(corpus, "fridge", agent=str(corpus.arjun.id)))
    assert found == [key(corpus.notes["variant"])]


def test_date_range(corpus):
    assert keys(run(corpus, "loud", date_from="2026-01-01")) == [key(corpus.notes["scattered"])]
    assert keys(run(corpus, "loud", date_to="2025-12-31")) == [key(corpus.notes["phrase"])]
    assert len(run(corpus, "loud", date_from="2025-06-01", date_to="2025-06-01").hits) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("customer", "1234"), ("kinds", ["nonsense"]), ("channel", "pigeon"), ("status", "lost"), ("agent", "x"),
     ("date_from", "yesterday")],
)
def test_invalid_filters_are_reported_per_field(corpus, field, value):
    results = run(corpus, "fridge", **{field: value})
    name = "kind" if field == "kinds" else field
    assert name in results.problems and not results.hits


# --- snippets, paging, suggestions ------------------------------------------------------------------


def test_snippets_mark_the_matches_and_escape_everything_else(corpus):
    hit = next(h for h in run(corpus, "compressor").hits if h.key == key(corpus.notes["hostile"]))
    html = hit.snippet_html
    assert "<mark>compressor</mark>" in html
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html and "&quot;quotes&quot;" in html


def test_snippet_marks_whole_model_numbers(corpus):
    hit = next(h for h in run(corpus, "wm7kgx").hits if h.key == key(corpus.notes["e4"]))
    assert [s.text for s in hit.snippet if s.hit] == ["WM 7KG-X"]


def test_paging_is_stable_and_complete(corpus):
    first = run(corpus, "pagingword")
    assert first.total == PAGING_DOCS and first.pages == 3 and len(first.hits) == 20
    seen = keys(first) + keys(run(corpus, "pagingword", page=2)) + keys(run(corpus, "pagingword", page=3))
    assert len(seen) == len(set(seen)) == PAGING_DOCS
    assert keys(run(corpus, "pagingword", page=2)) == keys(run(corpus, "pagingword", page=2))


def test_page_beyond_the_end_is_empty_not_an_error(corpus):
    results = run(corpus, "pagingword", page=40)
    assert results.hits == [] and results.total == PAGING_DOCS


def test_did_you_mean(corpus):
    results = run(corpus, "comprssor")
    assert results.total == 0 and results.suggestion == "compressor"
    assert run(corpus, results.suggestion).total > 0


def test_did_you_mean_keeps_the_other_words(corpus):
    assert run(corpus, "loud noize").suggestion == "loud noise"


def test_no_suggestion_when_there_are_results(corpus):
    assert run(corpus, "compressor").suggestion is None


@pytest.mark.parametrize(
    "raw",
    ['"unbalanced', "OR", "AND", "-", "- -", "OR OR fridge", "*", "**", "a" * 10_000, "fridge " * 3000,
     "\x00\x1b[31m fridge \u202e", '"', '""', "(((", "NOT", '-"', "fridge -", "ख़*", "%", "'; DROP TABLE interaction; --",
     "\ud800", "compress* OR", "-fridge -compressor"],
)
def test_bad_input_never_raises(corpus, raw):
    results = run(corpus, raw)
    assert results.unavailable is None
    assert results.hits or results.notices or not results.searched or results.total == 0
