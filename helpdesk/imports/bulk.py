"""Bulk inserts for imports: the statement compiled once, each column's bind processing done once per distinct value,
and row ids reserved up front, so a million rows cost the driver's executemany and little else.

Core's executemany builds and processes parameters row by row (about as much time as SQLite spends storing them);
an import's columns repeat few distinct values (days, stores, the batch's timestamp), so memoising pays.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from sqlalchemy import Connection, Table, func, select, text

_MISSING = object()


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict]) -> None:
    """INSERT every row (all with the same keys) in one executemany. The row dicts are the caller's scratch: values
    that need the column type's bind processing are replaced in place."""
    if not rows:
        return
    keys = list(rows[0])
    dialect = connection.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    for key in keys:
        processor = table.c[key].type.bind_processor(dialect)
        if processor is None:
            continue
        memo: dict = {}
        for row in rows:
            value = row[key]
            if value is not None:
                done = memo.get(value, _MISSING)
                if done is _MISSING:
                    done = memo[value] = processor(value)
                row[key] = done
    if compiled.positional:
        params: Sequence = list(map(itemgetter(*compiled.positiontup), rows)) if len(compiled.positiontup) > 1 \
            else [(row[compiled.positiontup[0]],) for row in rows]
    else:
        params = rows
    connection.exec_driver_sql(str(compiled), params)


def reserve_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Ids for `count` new rows of the table: from its sequence on PostgreSQL (safe beside other writers); on SQLite
    after the largest one, which is safe because the import's transaction holds the write lock (BEGIN IMMEDIATE)."""
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        return list(connection.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": count}).scalars())
    start = (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    return list(range(start, start + count))
