"""Writing the aggregate tables: add deltas to roll-up cells, replace rows, insert in batches. Portable SQL only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import Table, delete
from sqlalchemy.orm import Session

from helpdesk.reports.rollups import Cells

BATCH = 2_000
BULK_BATCH = 10_000


def _sqlite_converters(table: Table, columns: Sequence[str]) -> list:
    """Per column, how the SQLite driver needs the value: dates as ISO text and booleans as 0/1, as SQLAlchemy's
    Date and Boolean types store them (other values pass as they are)."""
    converters = []
    for name in columns:
        try:
            python_type = table.c[name].type.python_type
        except NotImplementedError:
            python_type = None
        if python_type is date:
            converters.append(lambda value: value.isoformat() if value is not None else None)
        elif python_type is bool:
            converters.append(lambda value: int(value) if value is not None else None)
        else:
            converters.append(None)
    return converters


def insert_tuples(session: Session, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Bulk insert straight through the driver's executemany: a full refresh writes about a million rows, and
    SQLAlchemy's per-row parameter processing would cost more than the database's own work."""
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    marker = "?" if sqlite else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    converted = [(index, convert) for index, convert in enumerate(_sqlite_converters(table, columns)) if convert] \
        if sqlite else []
    batch: list = []
    for row in rows:
        if converted:
            row = list(row)
            for index, convert in converted:
                row[index] = convert(row[index])
            row = tuple(row)
        batch.append(row)
        if len(batch) >= BULK_BATCH:
            connection.exec_driver_sql(sql, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(sql, batch)


def insert_rows(session: Session, table: Table, rows: Sequence[dict]) -> None:
    """Insert dict rows (all with the same keys)."""
    if rows:
        columns = list(rows[0])
        insert_tuples(session, table, columns, (tuple(row[name] for name in columns) for row in rows))


def insert_cells(session: Session, table: Table, key_columns: Sequence[str], measure_columns: Sequence[str],
                 cells: Cells) -> None:
    """Insert roll-up cells that hold something."""
    insert_tuples(session, table, (*key_columns, *measure_columns),
                  ((*key, *values) for key, values in cells.items() if any(values)))


def delete_in(session: Session, table: Table, column: str, values: Iterable) -> None:
    """DELETE ... WHERE column IN (values), in batches."""
    values = sorted(set(values), key=str)
    for start in range(0, len(values), BATCH):
        session.execute(delete(table).where(table.c[column].in_(values[start:start + BATCH])))


def _python_type(table: Table, name: str):
    try:
        return table.c[name].type.python_type
    except NotImplementedError:
        return None


def raw_rows(session: Session, statement) -> list[tuple]:
    """The statement's rows as plain tuples from the driver (no per-value processing by SQLAlchemy)."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if connection.dialect.name == "sqlite":
        # As SQLAlchemy's Date stores them (and without the driver's default adapters, deprecated since 3.12).
        params = {name: value.isoformat() if type(value) is date else value for name, value in params.items()}
    if compiled.positiontup is not None:
        params = tuple(params[name] for name in compiled.positiontup)
    result = connection.exec_driver_sql(compiled.string, params)
    try:
        return result.cursor.fetchall()  # the driver's own tuples, without building SQLAlchemy rows
    finally:
        result.close()


def apply_delta(session: Session, table: Table, key_columns: Sequence[str], measure_columns: Sequence[str],
                delta: Cells) -> int:
    """Add the delta to each cell: one upsert per cell (INSERT ... ON CONFLICT DO UPDATE, which SQLite and
    PostgreSQL both speak), then delete the cells a negative delta may have brought to zero.

    No cell is read first: a look-up of thousands of composite keys made both databases scan the table. The
    caller holds the refresh lock (stats_state row), so nobody else changes these cells meanwhile.
    """
    delta = {key: values for key, values in delta.items() if any(values)}
    if not delta:
        return 0
    connection = session.connection()
    dialect = connection.dialect.name
    marker = "?" if dialect == "sqlite" else "%s"
    plain = _writer(table, key_columns, dialect)
    columns = (*key_columns, *measure_columns)
    upsert = (f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))}) "
              f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET "
              + ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in measure_columns))
    rows = [(*plain(key), *values) for key, values in delta.items()]
    for start in range(0, len(rows), BATCH):
        connection.exec_driver_sql(upsert, rows[start:start + BATCH])
    shrunk = [plain(key) for key, values in delta.items() if any(value < 0 for value in values)]
    if shrunk:
        where = " AND ".join(f"{name} = {marker}" for name in key_columns)
        zero = " AND ".join(f"{name} = 0" for name in measure_columns)
        sql = f"DELETE FROM {table.name} WHERE {where} AND {zero}"
        for start in range(0, len(shrunk), BATCH):
            connection.exec_driver_sql(sql, shrunk[start:start + BATCH])
    return len(delta)


def _writer(table: Table, key_columns: Sequence[str], dialect: str):
    """Key values as the driver needs them (SQLite: dates as ISO text)."""
    if dialect != "sqlite":
        return tuple
    dated = [_python_type(table, name) is date for name in key_columns]
    return lambda key: tuple(value.isoformat() if is_date and value is not None else value
                             for is_date, value in zip(dated, key))
