"""Bulk inserts for imports: the statement compiled once, each column's bind processing done once per distinct value,
and row ids reserved up front, so a million rows cost the driver's executemany and little else.

Core's executemany builds and processes parameters row by row (about as much time as SQLite spends storing them);
an import's columns repeat few distinct values (days, stores, the batch's timestamp), so memoising pays.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table, func, select, text


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict]) -> None:
    """INSERT every row (all with the same keys) in one executemany."""
    if not rows:
        return
    keys = list(rows[0])
    dialect = connection.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    processors = []
    for key in keys:
        processor = table.c[key].type.bind_processor(dialect)
        processors.append((key, processor, {}) if processor else (key, None, None))

    def processed(row: dict) -> list:
        out = []
        for key, processor, memo in processors:
            value = row[key]
            if processor is not None and value is not None:
                done = memo.get(value)
                if done is None:
                    done = memo[value] = processor(value)
                value = done
            out.append(value)
        return out

    if compiled.positional:
        order = [keys.index(name) for name in compiled.positiontup]
        params: list = []
        for row in rows:
            values = processed(row)
            params.append(tuple(values[i] for i in order))
    else:
        params = [dict(zip(keys, processed(row), strict=True)) for row in rows]
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
