"""Running a POS push once: the Idempotency-Key header's stored answers, and batches answered item by item.

Plain functions over the Database (no web code): the API handlers call these, and so can an importer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from helpdesk import idempotency
from helpdesk.db import Database
from helpdesk.sales.errors import PosConflict, PosInvalid
from helpdesk.sales.pos import PurchaseOut, record_purchase
from helpdesk.sales.pos_input import PurchaseIn
from helpdesk.timeutil import utcnow

log = logging.getLogger("helpdesk.pos")
# Stored answers are pruned now and then by the pushes themselves: no job to schedule, no cost on most requests.
PRUNE_ONE_IN = 500


def refusal_body(exc: PosInvalid | PosConflict) -> tuple[int, dict[str, Any]]:
    """The status and JSON body of a refused push, in the shape of every API error (helpdesk/errors.py)."""
    if isinstance(exc, PosInvalid):
        return 422, {"status_code": 422, "detail": str(exc),
                     "extra": [{"key": key, "message": message} for key, message in exc.errors.items()]}
    return 409, {"status_code": 409, "detail": str(exc)}


def request_hash(method: str, path: str, data) -> str:
    """What identifies a request for its Idempotency-Key: where it went and its body, canonically."""
    return hashlib.sha256(f"{method} {path} ".encode() + data.model_dump_json().encode()).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value, default=str)


def once(db: Database, *, scope: str, key: str | None, request: str, status_code: int,
         work: Callable[[Session], Any]) -> tuple[int, str]:
    """Do `work` in a write session and answer (status, JSON text); with a key, at most once per key and request.

    Refusals (422, 409) are answers too and are replayed like successes; a failure on our side releases the key.
    """
    if key is None:
        with db.write() as session:
            return status_code, _json(work(session))
    with db.write() as session:
        stored = idempotency.claim_key(session, scope=scope, key=key, request_hash=request)
        if stored is not None:
            return stored.status_code, stored.body
        if random.randrange(PRUNE_ONE_IN) == 0:
            idempotency.prune_answers(session, now=utcnow())
    try:
        with db.write() as session:
            answer = status_code, _json(work(session))
    except (PosInvalid, PosConflict) as exc:
        code, body = refusal_body(exc)
        answer = code, json.dumps(body)
    except BaseException:
        with db.write() as session:
            idempotency.release_key(session, scope=scope, key=key)
        raise
    with db.write() as session:
        idempotency.store_answer(session, scope=scope, key=key, status_code=answer[0], body=answer[1])
    return answer


@dataclass
class BatchItem:
    """One purchase of a batch: its position, the status it would have had alone, and the purchase or the refusal."""

    index: int
    status_code: int
    purchase: PurchaseOut | None = None
    detail: str | None = None
    extra: list[dict[str, str]] | None = None


@dataclass
class BatchOut:
    recorded: int
    refused: int
    items: list[BatchItem]


def record_batch(db: Database, purchases: list[PurchaseIn], *, rupees_per_point: int) -> BatchOut:
    """Record each purchase in its own transaction, so one bad sale does not hold back the rest."""
    items = []
    for index, data in enumerate(purchases):
        try:
            with db.write() as session:
                out = record_purchase(session, data, now=utcnow(), rupees_per_point=rupees_per_point)
            items.append(BatchItem(index, 201, purchase=out))
        except (PosInvalid, PosConflict) as exc:
            code, body = refusal_body(exc)
            items.append(BatchItem(index, code, detail=body["detail"], extra=body.get("extra")))
    recorded = sum(item.status_code == 201 for item in items)
    return BatchOut(recorded=recorded, refused=len(items) - recorded, items=items)
