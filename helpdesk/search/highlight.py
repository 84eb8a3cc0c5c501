"""Snippets: the best short window of a text around the matched words, as plain segments the template escapes."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from helpdesk.search import analysis

SNIPPET_CHARS = 220
LEAD_CHARS = 40


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of the snippet; `hit` pieces are shown marked. Text is raw: whoever renders it escapes it."""

    text: str
    hit: bool = False


def _spans(text: str, terms: set[str], prefixes: set[str]) -> list[tuple[int, int]]:
    spans = []
    for token in analysis.analyze(text):
        if token.term in terms or any(token.term.startswith(prefix) for prefix in prefixes):
            spans.append((token.start, token.end))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _word_boundary_before(text: str, index: int) -> int:
    if index <= 0:
        return 0
    space = text.rfind(" ", 0, index)
    return space + 1 if space != -1 and index - space < 20 else index


def _word_boundary_after(text: str, index: int) -> int:
    if index >= len(text):
        return len(text)
    space = text.find(" ", index)
    return space if space != -1 and space - index < 20 else index


def snippet(text: str, terms: set[str], prefixes: set[str] = frozenset(), *, width: int = SNIPPET_CHARS) -> list[Segment]:
    """The window of about `width` characters with the most matches, matched words marked, "…" where cut."""
    text = " ".join(analysis.normalise(text).split())  # one line: newlines and runs of spaces add nothing here
    spans = _spans(text, terms, prefixes) if (terms or prefixes) else []
    if spans:
        best_start, best_count, last = spans[0][0], 0, 0
        for index, (start, _) in enumerate(spans):
            # Two pointers: spans are sorted, so the window's last span only moves right.
            last = max(last, index)
            while last < len(spans) and spans[last][1] <= start + width:
                last += 1
            if last - index > best_count:
                best_start, best_count = start, last - index
        window_start = _word_boundary_before(text, max(0, best_start - LEAD_CHARS))
    else:
        window_start = 0
    window_end = _word_boundary_after(text, min(len(text), window_start + width))
    segments: list[Segment] = []
    if window_start > 0:
        segments.append(Segment("… "))
    cursor = window_start
    for start, end in spans:
        if end <= window_start or start >= window_end:
            continue
        start, end = max(start, window_start), min(end, window_end)
        if start > cursor:
            segments.append(Segment(text[cursor:start]))
        segments.append(Segment(text[start:end], hit=True))
        cursor = end
    if cursor < window_end:
        segments.append(Segment(text[cursor:window_end]))
    if window_end < len(text):
        segments.append(Segment(" …"))
    return segments


def to_html(segments: list[Segment]) -> str:
    """Escaped text with <mark> around hits: our marks are the only markup that can come out."""
    return "".join(f"<mark>{escape(s.text)}</mark>" if s.hit else escape(s.text) for s in segments)


def to_text(segments: list[Segment]) -> str:
    return "".join(s.text for s in segments)
