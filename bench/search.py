"""Search benchmark: rebuild rate, query latency beside SQLite FTS5, commit-to-searchable: `python -m bench.search`."""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import select as sqlmodel_select

from helpdesk.config import Settings
from helpdesk.db import Database
from helpdesk.search import analysis, documents
from helpdesk.search.engine import SearchEngine
from helpdesk.search.indexer import Indexer
from helpdesk.search.layout import IndexLayout
from helpdesk.search.rebuild import rebuild
from helpdesk.search.service import SearchParams, search
from helpdesk.history import service as history
from helpdesk.history.models import Interaction

DEFAULT_DB = Path("/tmp/bench100k/helpdesk.db")
DEFAULT_WORK = Path("/tmp/helpdesk-search-bench")
# FTS5's stock tokenizer has Python's problem: without Mc/Mn it splits Devanagari at vowel signs.
FTS5_TOKENIZE = "porter unicode61 remove_diacritics 0 categories 'L* N* Co Mc Mn'"
_LETTERS = re.compile(r"^[^\W\d_]{3,}$")


@dataclass
class Series:
    name: str
    millis: list[float] = field(default_factory=list)

    def pct(self, p: float) -> float:
        ordered = sorted(self.millis)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.millis) if self.millis else float("nan")

    def summary(self) -> dict:
        return {"n": len(self.millis), "median_ms": round(self.median, 2), "p95_ms": round(self.pct(95), 2),
                "max_ms": round(max(self.millis), 2) if self.millis else None}


def _log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _copy_database(source: Path, work: Path) -> tuple[Path, Path]:
    """Work on a copy (backup API, WAL-safe): the benchmark writes notes and must not touch the original."""
    work.mkdir(parents=True, exist_ok=True)
    pairs = [(source, work / "helpdesk.db")]
    personal = source.with_name(source.stem + "-personal.db")
    if personal.exists():
        pairs.append((personal, work / "helpdesk-personal.db"))
    for src, dst in pairs:
        if dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime:
            continue
        _log(f"copying {src} -> {dst}")
        with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as origin, sqlite3.connect(dst) as copy:
            origin.backup(copy)
    return work / "helpdesk.db", work / "helpdesk-personal.db"


def _settings(main: Path, personal: Path, work: Path, key_file: Path) -> Settings:
    return Settings.from_env({"HELPDESK_DATABASE_URL": f"sqlite:///{main}", "HELPDESK_PERSONAL_DATABASE_URL":
                              f"sqlite:///{personal}", "HELPDESK_INDEX_DIR": str(work / "index"),
                              "HELPDESK_DATA_DIR": str(work / "data"), "HELPDESK_SECRET_KEY": "bench-" * 8,
                              "HELPDESK_PERSONAL_KEY_FILE": str(key_file)}, cwd=work)


# --- FTS5 beside Whoosh -------------------------------------------------------------------------------


def build_fts5(db: Database, path: Path) -> tuple[int, float]:
    """The same documents (same text, same customer) in an FTS5 table, for the comparison."""
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute(f'CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, customer, text, tokenize="{FTS5_TOKENIZE}")')
    count = 0
    for batch in documents.iter_all(db.snapshot, batch_size=5000):
        connection.executemany("INSERT INTO docs(key, customer, text) VALUES (?, ?, ?)",
                               [(doc.key, doc.customer, doc.text) for doc in batch])
        count += len(batch)
    connection.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    connection.commit()
    connection.close()
    return count, time.perf_counter() - started


def fts5_query(connection: sqlite3.Connection, words: list[str], customer: str | None) -> int:
    """Top 20 with snippets plus the total count: what a results page needs, as Whoosh is asked for it."""
    text = " AND ".join('"' + word.replace('"', '""') + '"' for word in words)
    match = f'text : ({text})' + (f' AND customer : "{customer}"' if customer else "")
    rows = connection.execute(
        "SELECT key, snippet(docs, 2, '<mark>', '</mark>', '…', 24) FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 20",
        (match,),
    ).fetchall()
    total = connection.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
    assert len(rows) == min(total, 20)
    return total


# --- queries ------------------------------------------------------------------------------------------


def sample_queries(db: Database, how_many: int, seed: int) -> dict[str, list[tuple[list[str], str | None]]]:
    """1-, 2- and 3-word queries drawn from real documents (so they have hits), desk-wide and per customer."""
    rng = random.Random(seed)
    from helpdesk.customers.models import Customer

    with db.read() as session:
        top = session.exec(select(Interaction.id).order_by(Interaction.id.desc()).limit(1)).one()[0]
    picked: dict[str, list[tuple[list[str], str | None]]] = {}
    for scope in ("desk", "customer"):
        for size in (1, 2, 3):
            queries = []
            while len(queries) < how_many:
                with db.read() as session:
                    row = session.exec(
                        select(Interaction.body, Interaction.summary, Customer.code)
                        .join(Customer, Customer.id == Interaction.customer_id)
                        .where(Interaction.id == rng.randint(1, top))
                    ).first()
                if row is None:
                    continue
                words = [w for w in analysis.words(f"{row.summary or ''} {row.body}") if _LETTERS.match(w)
                         and not analysis.is_stop_term(analysis.term(w))]
                if len(words) < size:
                    continue
                start = rng.randrange(0, len(words) - size + 1)
                chosen = [w.lower() for w in words[start:start + size]]
                queries.append((chosen, row.code if scope == "customer" else None))
            picked[f"{scope} {size}-word"] = queries
    return picked


def time_whoosh(db: Database, engine: SearchEngine, queries, broad: list[bool] | None = None) -> tuple[Series, list[int]]:
    """Each query through the search service: index, database rows for the page, snippets."""
    series, totals = Series("whoosh"), []
    with db.read() as session:
        for words, customer in queries:
            started = time.perf_counter()
            results = search(session, engine, SearchParams(q=" ".join(words), customer=customer))
            series.millis.append((time.perf_counter() - started) * 1000)
            if results.unavailable:
                raise RuntimeError(results.unavailable)
            totals.append(results.total)
            if broad is not None:
                broad.append(not results.total_is_exact)
    return series, totals


def time_fts5(path: Path, queries) -> tuple[Series, list[int]]:
    series, totals = Series("fts5"), []
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    for words, customer in queries:
        started = time.perf_counter()
        totals.append(fts5_query(connection, words, customer))
        series.millis.append((time.perf_counter() - started) * 1000)
    connection.close()
    return series, totals


# --- freshness ----------------------------------------------------------------------------------------


def commit_to_searchable(db: Database, layout: IndexLayout, engine: SearchEngine, samples: int) -> Series:
    """Write a note the way the app does (row + outbox in one transaction) and time until search finds it."""
    from helpdesk.customers.models import Customer

    indexer = Indexer(db, layout, engine, auto_rebuild=False)
    indexer.start()
    series = Series("commit-to-searchable")
    try:
        if not indexer.ready.wait(60):
            raise RuntimeError("the bench indexer did not become the index writer")
        with db.read() as session:
            customer = session.exec(sqlmodel_select(Customer).order_by(Customer.id).limit(1)).one()
        for number in range(samples):
            word = f"freshprobe{number}x{random.randrange(10**6)}"
            with db.write() as session:
                history.write_entry(session, customer_id=customer.id, kind="note", body=f"bench note {word}",
                                    created_at=datetime.now(UTC))
                session.commit()
            committed = time.perf_counter()
            while True:
                with db.read() as session:
                    if search(session, engine, SearchParams(q=word)).total:
                        break
                if time.perf_counter() - committed > 10:
                    raise RuntimeError("a note was not searchable within 10 s")
                time.sleep(0.005)
            series.millis.append((time.perf_counter() - committed) * 1000)
            time.sleep(0.2)
    finally:
        indexer.stop()
    return series


# --- rebuild while searching --------------------------------------------------------------------------


def rebuild_in_cli_while_searching(settings: Settings, db: Database, engine: SearchEngine, queries, procs: int) -> dict:
    """`helpdesk index rebuild` in its own process, as in production, while this process keeps searching."""
    env = {**os.environ, "HELPDESK_DATABASE_URL": settings.database_url,
           "HELPDESK_PERSONAL_DATABASE_URL": settings.personal_database_url,
           "HELPDESK_INDEX_DIR": str(settings.index_dir), "HELPDESK_DATA_DIR": str(settings.data_dir),
           "HELPDESK_SECRET_KEY": settings.secret_key}
    during = Series("search during rebuild")
    failures: list[str] = []
    totals_seen: list[int] = []
    stop = threading.Event()

    def keep_searching() -> None:
        with db.read() as session:
            index = 0
            while not stop.is_set():
                words, customer = queries[index % len(queries)]
                index += 1
                started = time.perf_counter()
                try:
                    results = search(session, engine, SearchParams(q=" ".join(words), customer=customer))
                    if results.unavailable:
                        failures.append(results.unavailable)
                    totals_seen.append(results.total)
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    failures.append(repr(exc))
                during.millis.append((time.perf_counter() - started) * 1000)
                time.sleep(0.05)

    thread = threading.Thread(target=keep_searching, daemon=True)
    thread.start()
    started = time.perf_counter()
    command = [sys.executable, "-m", "helpdesk", "index", "rebuild", "--no-progress", "--procs", str(procs)]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    stop.set()
    thread.join()
    return {"seconds": round(seconds, 1), "exit_code": completed.returncode, "output": completed.stdout.strip()[-300:],
            "searches": during.summary(), "search_failures": len(failures), "failure_examples": failures[:3]}


# --- main ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="a generated SQLite main store (copied first)")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="copies, indexes and results go here")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--queries", type=int, default=200, help="queries per category")
    parser.add_argument("--freshness-samples", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keys", type=Path, default=None, help="the database's personal-data key file")
    parser.add_argument("--reuse-index", action="store_true", help="skip the timed rebuild if an index exists")
    parser.add_argument("--skip-cli-rebuild", action="store_true", help="skip the rebuild-while-searching run")
    args = parser.parse_args(argv)

    main_db, personal_db = _copy_database(args.db, args.work_dir)
    # The copy is read with the original's personal-data keys (bench.desk keeps them in DIR/data/personal_keys).
    settings = _settings(main_db, personal_db, args.work_dir, args.keys or args.db.parent / "data" / "personal_keys")
    db = Database.from_settings(settings)
    layout = IndexLayout(settings.index_dir)
    engine = SearchEngine(layout)
    report: dict = {"database": str(args.db), "cores": os.cpu_count()}
    with db.read() as session:
        report["documents"] = documents.count_all(session)
    _log(f"{report['documents']:,} documents")

    if not (args.reuse_index and layout.current_dir()):
        _log(f"rebuilding the Whoosh index with {args.procs} writer processes ...")
        done = rebuild(db, layout, procs=args.procs,
                       progress=lambda n, total: (n % 100_000 < 2000) and _log(f"  {n:,}/{total:,}"))
        report["rebuild"] = {"documents": done.documents, "seconds": round(done.seconds, 1),
                             "docs_per_second": round(done.rate), "procs": args.procs}
        _log(f"rebuild: {done.documents:,} documents in {done.seconds:.0f} s ({done.rate:,.0f}/s)")
    report["index_bytes"] = sum(p.stat().st_size for p in layout.current_dir().iterdir() if p.is_file())

    fts_path = args.work_dir / "fts5.db"
    _log("building the FTS5 table over the same documents ...")
    fts_count, fts_seconds = build_fts5(db, fts_path)
    report["fts5_build"] = {"documents": fts_count, "seconds": round(fts_seconds, 1), "tokenize": FTS5_TOKENIZE,
                            "bytes": fts_path.stat().st_size}

    queries = sample_queries(db, args.queries, args.seed)
    _log("warming up ...")
    for category in queries.values():
        time_whoosh(db, engine, category[:5])
        time_fts5(fts_path, category[:5])
    report["queries"] = {}
    for name, category in queries.items():
        broad: list[bool] = []
        whoosh, whoosh_totals = time_whoosh(db, engine, category, broad)
        fts, fts_totals = time_fts5(fts_path, category)
        report["queries"][name] = {
            "whoosh": whoosh.summary(), "fts5": fts.summary(),
            "ratio_median": round(whoosh.median / fts.median, 2), "ratio_p95": round(whoosh.pct(95) / fts.pct(95), 2),
            "median_hits_whoosh": statistics.median(whoosh_totals), "median_hits_fts5": statistics.median(fts_totals),
            "broad_share": round(sum(broad) / len(broad), 2),
        }
        _log(f"{name:<16} whoosh median {whoosh.median:7.1f} p95 {whoosh.pct(95):7.1f} ms | fts5 median "
             f"{fts.median:6.1f} p95 {fts.pct(95):6.1f} ms | hits {statistics.median(whoosh_totals):,.0f} vs "
             f"{statistics.median(fts_totals):,.0f} | broad {sum(broad)}/{len(broad)}")

    _log("commit-to-searchable ...")
    report["commit_to_searchable"] = commit_to_searchable(db, layout, engine, args.freshness_samples).summary()
    _log(f"commit-to-searchable: {report['commit_to_searchable']}")

    if not args.skip_cli_rebuild:
        _log("`helpdesk index rebuild` in another process while this one searches ...")
        mixed = [q for name in queries for q in queries[name][:50]]
        report["rebuild_while_searching"] = rebuild_in_cli_while_searching(settings, db, engine, mixed, args.procs)
        _log(f"rebuild while searching: {report['rebuild_while_searching']}")

    engine.close()
    out = args.work_dir / "results.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    _log(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
