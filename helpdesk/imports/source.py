"""Streaming an import file: UTF-8 (with or without a byte-order mark), RFC 4180 quoting, headers matched loosely.

Rows are read one at a time, so memory stays flat on a file of millions of rows. Header names are compared without
case, spaces or punctuation: Shopify's 'Lineitem sku' and 'Line item SKU' are the same column.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
# Long addresses and notes fit; a runaway quote that swallows the rest of the file does not.
FIELD_SIZE_LIMIT = 1_000_000
csv.field_size_limit(min(FIELD_SIZE_LIMIT, sys.maxsize))


class ImportFileError(Exception):
    """The file as a whole cannot be read (not UTF-8, no header, broken quoting); the message says where."""


def header_key(name: str) -> str:
    """The comparable form of a header: 'Line item SKU' -> 'lineitemsku'."""
    return _NOT_ALNUM.sub("", name.lower())


@dataclass
class Record:
    """One row of the file: its number as a spreadsheet shows it (the header is row 1) and its cells by header key."""

    row: int
    cells: dict[str, str]
    extra: bool = False


@dataclass
class CsvSource:
    """An open import file: the header (original names by key), the records, and how many bytes are read."""

    path: Path
    headers: dict[str, str] = field(default_factory=dict)
    size: int = 0
    _raw: io.BufferedReader | None = None
    _text: io.TextIOWrapper | None = None

    def __enter__(self) -> CsvSource:
        try:
            self._raw = open(self.path, "rb")  # noqa: SIM115 - closed in __exit__
        except OSError as exc:
            raise ImportFileError(f"cannot open {self.path}: {exc.strerror}") from None
        self.size = self.path.stat().st_size
        # newline="" leaves line breaks inside quoted cells (multi-line Hindi addresses) to the csv module.
        self._text = io.TextIOWrapper(self._raw, encoding="utf-8-sig", newline="")
        return self

    def __exit__(self, *_exc) -> None:
        if self._text is not None:
            self._text.close()

    def bytes_read(self) -> int:
        """How far into the file reading has got (the csv module reads ahead; close enough for a progress bar)."""
        return self._raw.tell() if self._raw is not None and not self._raw.closed else self.size

    def records(self) -> Iterator[Record]:
        reader = csv.reader(self._text)
        row = 1
        try:
            names = next(reader, None)
            if not names or not any(name.strip() for name in names):
                raise ImportFileError(f"{self.path} has no header row")
            keys = [header_key(name) for name in names]
            self.headers = {key: name.strip() for key, name in zip(keys, names, strict=True) if key}
            width = len(keys)
            for row, values in enumerate(reader, start=2):
                if not any(values):
                    continue  # blank lines between blocks, or at the end of the file
                cells = dict(zip(keys, values, strict=False))
                yield Record(row, cells, extra=len(values) > width and any(v.strip() for v in values[width:]))
        except UnicodeDecodeError:
            raise ImportFileError(f"{self.path} is not UTF-8 text (near row {row + 1}): "
                                  "save it as 'CSV UTF-8' and import again") from None
        except csv.Error as exc:
            raise ImportFileError(f"{self.path}: cannot read row {row + 1}: {exc}") from None

    def column(self, key: str) -> str:
        """The file's own name for a column, for messages."""
        return self.headers.get(key, key)
