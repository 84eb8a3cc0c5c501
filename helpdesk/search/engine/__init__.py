"""The only code that talks to Whoosh (pinned whoosh-reloaded 2.7.5): pages and services use this package's names."""

from helpdesk.search.engine.queries import EngineResult, Filters
from helpdesk.search.engine.reading import CHECK_REQUEST, SearchEngine, refreshed
from helpdesk.search.engine.schema import FORMAT_VERSION, STAMP, SearchUnavailable
from helpdesk.search.engine.writing import (
    IndexBuilder,
    IndexWriter,
    check_generation,
    rewrite_segments,
    segments_with_deleted,
)

__all__ = [
    "CHECK_REQUEST",
    "FORMAT_VERSION",
    "STAMP",
    "EngineResult",
    "Filters",
    "IndexBuilder",
    "IndexWriter",
    "SearchEngine",
    "SearchUnavailable",
    "check_generation",
    "refreshed",
    "rewrite_segments",
    "segments_with_deleted",
]
