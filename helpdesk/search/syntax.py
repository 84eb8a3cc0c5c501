"""The query language agents type (words, "phrases", -exclusions, OR, prefix*), parsed forgivingly: it never raises."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from helpdesk.search import analysis

MAX_QUERY_CHARS = 500
MAX_CLAUSES = 16
MIN_PREFIX_CHARS = 2

# Format characters (Cf) other than the joiners Devanagari needs are invisible junk in a query.
_KEEP_FORMAT = {"\u200c", "\u200d"}
_OPERATORS = {"OR": "or", "|": "or", "||": "or", "AND": "and", "&&": "and", "&": "and", "NOT": "not"}
_BRACKETS = "()[]{}"


@dataclass(frozen=True)
class Words:
    """Plain words typed next to each other: analysed together so "WM 7KG-X" stays one model number."""

    text: str
    start: int = 0


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Prefix:
    text: str


@dataclass(frozen=True)
class Not:
    clause: Words | Phrase | Prefix


@dataclass(frozen=True)
class AnyOf:
    clauses: tuple[Words | Phrase | Prefix, ...]


Clause = Words | Phrase | Prefix | Not | AnyOf


@dataclass
class ParsedQuery:
    """What to search for (all clauses must match), the cleaned text, and notes for the agent."""

    text: str
    clauses: list[Clause] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    @property
    def has_positive(self) -> bool:
        return any(not isinstance(clause, Not) for clause in self.clauses)


def clean(text: str) -> tuple[str, list[str]]:
    """NFC, control and invisible characters turned into spaces, and a length limit."""
    notices = []
    if len(text) > MAX_QUERY_CHARS * 4:
        # Do not spend time normalising a pasted novel: only its beginning can be searched anyway.
        text = text[: MAX_QUERY_CHARS * 4]
    text = analysis.normalise(text)
    cleaned = "".join(
        " " if (unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") and char not in _KEEP_FORMAT) else char
        for char in text
    )
    if len(cleaned) > MAX_QUERY_CHARS:
        cut = cleaned.rfind(" ", 0, MAX_QUERY_CHARS)
        cleaned = cleaned[: cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS]
        notices.append(f"Your search was long, so only its first {len(cleaned)} characters were used.")
    return cleaned.strip(), notices


@dataclass
class _Atom:
    kind: str  # "word", "phrase", "prefix", "or", "and", "not"
    text: str = ""
    start: int = 0
    end: int = 0
    negated: bool = False


def _lex(text: str, notices: list[str]) -> list[_Atom]:
    atoms: list[_Atom] = []
    index = 0
    negate_next = False
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
            continue
        if char == '"' or (char == "-" and text[index + 1:index + 2] == '"'):
            negated = char == "-"
            open_at = index + (2 if negated else 1)
            close_at = text.find('"', open_at)
            if close_at == -1:
                notices.append("A quote was not closed, so the rest of the search was taken as one phrase.")
                close_at = len(text)
            phrase = text[open_at:close_at].strip()
            if phrase:
                atoms.append(_Atom("phrase", phrase, open_at, close_at, negated=negated or negate_next))
            negate_next = False
            index = close_at + 1
            continue
        end = index
        while end < len(text) and not text[end].isspace() and text[end] != '"':
            end += 1
        raw = text[index:end]
        word = raw.strip(_BRACKETS)
        start = index + raw.find(word) if word else index
        index = end
        operator = _OPERATORS.get(word)
        if operator == "not":
            negate_next = True
            continue
        if operator is not None:
            atoms.append(_Atom(operator, word, start, start + len(word)))
            continue
        negated = negate_next
        negate_next = False
        if word.startswith("-"):
            negated, word, start = True, word.lstrip("-"), start + len(word) - len(word.lstrip("-"))
        if word.endswith("*"):
            stem = word.rstrip("*")
            letters = sum(1 for char in stem if char.isalnum())
            if letters < MIN_PREFIX_CHARS:
                notices.append(f"Type at least {MIN_PREFIX_CHARS} letters before * to search by the start of a word.")
                continue
            atoms.append(_Atom("prefix", stem, start, start + len(stem), negated=negated))
            continue
        if not analysis.terms(word):
            continue  # punctuation on its own ("+", "--", "…"): nothing to search for
        atoms.append(_Atom("word", word, start, start + len(word), negated=negated))
    if negate_next:
        notices.append("NOT needs a word after it; it was ignored.")
    return atoms


def _clause(atom: _Atom, text: str) -> Words | Phrase | Prefix:
    if atom.kind == "phrase":
        return Phrase(atom.text)
    if atom.kind == "prefix":
        return Prefix(atom.text)
    return Words(text[atom.start:atom.end], atom.start)


def parse(raw: str) -> ParsedQuery:
    """Turn what the agent typed into clauses; anything odd becomes a best-effort search and a notice."""
    text, notices = clean(raw or "")
    atoms = [atom for atom in _lex(text, notices) if atom.kind != "and"]
    # OR binds its neighbours into one clause; a dangling OR (first, last, doubled, or next to an
    # exclusion) is dropped with a notice rather than guessed at.
    groups: list[list[_Atom]] = []
    pending_or = False
    dangling_or = False
    for atom in atoms:
        if atom.kind == "or":
            if not groups or pending_or or groups[-1][-1].negated:
                dangling_or = True
            pending_or = True
            continue
        if pending_or and groups and not atom.negated and not groups[-1][-1].negated:
            groups[-1].append(atom)
        else:
            if pending_or and groups:
                dangling_or = True
            groups.append([atom])
        pending_or = False
    if pending_or:
        dangling_or = True
    if dangling_or:
        notices.append("OR needs a word on each side; the extra OR was ignored.")

    clauses: list[Clause] = []
    run: list[_Atom] = []

    def flush_run() -> None:
        if run:
            clauses.append(Words(text[run[0].start:run[-1].end], run[0].start))
            run.clear()

    for group in groups:
        if len(group) > 1:
            flush_run()
            clauses.append(AnyOf(tuple(_clause(atom, text) for atom in group)))
            continue
        atom = group[0]
        if atom.kind == "word" and not atom.negated:
            if run and text[run[-1].end:atom.start].strip():
                flush_run()  # something (a bracket) sat between them: not one run of words
            run.append(atom)
            continue
        flush_run()
        clause = _clause(atom, text)
        clauses.append(Not(clause) if atom.negated else clause)
    flush_run()

    if len(clauses) > MAX_CLAUSES:
        clauses = clauses[:MAX_CLAUSES]
        notices.append(f"Only the first {MAX_CLAUSES} parts of your search were used.")
    parsed = ParsedQuery(text=text, clauses=clauses, notices=notices)
    if clauses and not parsed.has_positive:
        parsed.notices.append("Add a word to search for: a search cannot be only exclusions.")
        parsed.clauses = []
    return parsed


def word_spans(parsed: ParsedQuery) -> list[tuple[int, int, str]]:
    """(start, end, word) for each plain word the agent typed, for "did you mean" rewrites."""
    spans = []
    for clause in parsed.clauses:
        if isinstance(clause, Words):
            for match in re.finditer(r"\S+", clause.text):
                spans.append((clause.start + match.start(), clause.start + match.end(), match.group()))
    return spans
