"""Jinja filters and globals: Indian money format, shop-time dates, grouped customer IDs, gettext for Hindi pages."""

from __future__ import annotations

from datetime import date, datetime

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from types import SimpleNamespace

from helpdesk import ids
from helpdesk.claims.models import CONTACT_TIME_MAX, DESCRIPTION_MAX, REASON_MAX
from helpdesk.claims.photos import MAX_PHOTO_BYTES, MAX_PHOTOS
from helpdesk.customers.models import LANGUAGES
from helpdesk.customers.service import MAX_LOOKUP_LENGTH
from helpdesk.history.models import CallOutcome
from helpdesk.i18n import catalogs
from helpdesk.tickets.models import BODY_MAX, COMMENT_MAX, SUBJECT_MAX, SUMMARY_MAX, Priority, TicketChannel
from helpdesk.timeutil import to_shop_time

# Limits and choices the forms show, from where the rules define them: a template never repeats a number.
LIMITS = SimpleNamespace(subject=SUBJECT_MAX, body=BODY_MAX, summary=SUMMARY_MAX, comment=COMMENT_MAX,
                         description=DESCRIPTION_MAX, contact_time=CONTACT_TIME_MAX, reason=REASON_MAX,
                         lookup=MAX_LOOKUP_LENGTH, photo_bytes=MAX_PHOTO_BYTES, photos=MAX_PHOTOS)
CALL_OUTCOME_LABELS = {
    CallOutcome.RESOLVED: "Resolved on the call",
    CallOutcome.FOLLOW_UP: "Needs follow-up",
    CallOutcome.CALLBACK: "Call back",
    CallOutcome.ESCALATED: "Escalated",
    CallOutcome.NO_ANSWER: "No answer",
}
CHOICES = SimpleNamespace(channels=tuple(TicketChannel), priorities=(Priority.NORMAL, Priority.LOW, Priority.HIGH,
                                                                    Priority.URGENT), call_outcomes=CALL_OUTCOME_LABELS)


def group_indian(digits: str) -> str:
    """1,23,45,678: the last three digits, then groups of two (lakh, crore)."""
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return ",".join([*groups, tail])


def format_inr(paise: int | None, *, with_paise: bool = True) -> str:
    """₹1,23,456.78 (or ₹1,23,456 without paise)."""
    if paise is None:
        return ""
    sign = "-" if paise < 0 else ""
    rupees, rest = divmod(abs(paise), 100)
    return f"{sign}₹{group_indian(str(rupees))}" + (f".{rest:02d}" if with_paise else "")


def format_date(value: date | datetime | None) -> str:
    """23 Nov 2026 (datetimes in shop time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_shop_time(value)
    return value.strftime("%d %b %Y")


def _page_language(context: Context) -> str:
    # Only the customer-facing handlers put a language in the context; every agent page stays English.
    return context.get("language") or catalogs.DEFAULT_LANGUAGE


@pass_context
def date_in_language(context: Context, value: date | datetime | None) -> str:
    """The `date` filter: 23 Nov 2026, or 23 नव॰ 2026 on a page in Hindi."""
    return "" if value is None else catalogs.format_date(value, _page_language(context))


@pass_context
def gettext(context: Context, message: str) -> str:
    return catalogs.translations(_page_language(context)).gettext(message)


@pass_context
def ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return catalogs.translations(_page_language(context)).ngettext(singular, plural, count)


@pass_context
def translated(context: Context, text) -> str:
    """The `tr` filter: a service's message (helpdesk.i18n.text.Translatable) in the page's language."""
    return catalogs.translate(text, _page_language(context))


def format_datetime(value: datetime | None) -> str:
    """23 Nov 2026, 14:05 in shop time."""
    if value is None:
        return ""
    return to_shop_time(value).strftime("%d %b %Y, %H:%M")


def iso(value: date | datetime | None) -> str:
    """ISO 8601 for machine-readable attributes."""
    return "" if value is None else value.isoformat()


def register(env: Environment) -> None:
    """Add our filters and form limits to the template environment."""
    env.globals.update(limits=LIMITS, choices=CHOICES, languages=LANGUAGES, language_names=catalogs.LANGUAGE_NAMES)
    # {% trans %} and _() look up the page's language in the render context (newstyle: values are escaped).
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        inr=format_inr,
        date=date_in_language,
        tr=translated,
        datetime=format_datetime,
        iso=iso,
        customer_id=ids.format_grouped,
        label=lambda value: str(value or "").replace("_", " ").capitalize(),
    )
