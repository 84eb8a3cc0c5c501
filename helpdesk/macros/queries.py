"""The reads the macro pages and the reply box's picker need."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from helpdesk.macros.models import Macro


@dataclass(frozen=True)
class MacroChoice:
    """One macro as the reply box's picker offers it."""

    id: int
    title: str
    language: str
    effects: str


def effects(macro: Macro) -> str:
    """What sending the macro also changes, in words ("" when it only inserts text)."""
    parts = []
    if macro.set_status:
        parts.append(f"status {macro.set_status}")
    if macro.set_priority:
        parts.append(f"priority {macro.set_priority}")
    if macro.tags:
        parts.append("tags " + ", ".join(macro.tags))
    return "; ".join(parts)


def choices(session: Session) -> list[MacroChoice]:
    """Every macro for the picker, by title: one query."""
    return [MacroChoice(id=m.id, title=m.title, language=m.language, effects=effects(m))
            for m in session.exec(select(Macro).order_by(Macro.title)).all()]
