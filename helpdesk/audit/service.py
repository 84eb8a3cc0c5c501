"""The one way an audit entry is written (inside the caller's transaction), and the audit log's reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from helpdesk.audit.models import AuditAction, AuditEntry
from helpdesk.timeutil import utcnow

# The free-text fields are for people; a bounded length keeps a pasted document out of the log.
REASON_MAX = 500
DETAILS_MAX = 2_000


@dataclass(frozen=True)
class Actor:
    """Who did it: an agent (id and e-mail), an API token, the public, or the system."""

    label: str
    agent_id: int | None = None
    client_address: str | None = None

    @classmethod
    def agent(cls, agent, client_address: str | None = None) -> Actor:
        return cls(label=agent.email, agent_id=agent.id, client_address=client_address)


SYSTEM = Actor(label="system")


def record(session: Session, *, actor: Actor, action: AuditAction, customer_code: str | None = None,
           field: str | None = None, reason: str | None = None, reference: str | None = None,
           details: str | None = None, at: datetime | None = None) -> AuditEntry:
    """Add an audit entry in the caller's transaction: it exists exactly when what it records does.

    Never pass a personal value (a name, a full phone number, an e-mail) in `details` or `reason`: mask it first.
    """
    entry = AuditEntry(
        at=at or utcnow(), actor_id=actor.agent_id, actor_label=actor.label[:120], action=action,
        customer_code=customer_code, field=field, reason=(reason or None) and reason[:REASON_MAX],
        reference=reference, client_address=(actor.client_address or None) and actor.client_address[:64],
        details=(details or None) and details[:DETAILS_MAX],
    )
    session.add(entry)
    return entry


def record_export(session: Session, *, actor: Actor, what: str, customer_code: str | None = None,
                  reason: str | None = None) -> None:
    """Audit an export before its first byte is sent (an export that fails half-way was still taken); commits."""
    record(session, actor=actor, action=AuditAction.EXPORT, customer_code=customer_code, reason=reason, details=what)
    session.commit()
