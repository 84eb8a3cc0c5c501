"""The incremental refresh (marks from the writers' own transactions) ends where a full refresh ends: after a new
purchase, a refund, a solved ticket, a tier override and a new ticket, every aggregate table is the same both ways."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from helpdesk.customers.models import Customer
from helpdesk.reports import tiers
from helpdesk.reports.models import StatsDirty
from helpdesk.reports.refresh import full_refresh, incremental_refresh, refresh
from helpdesk.sales.models import Purchase, PurchaseLine
from helpdesk.tickets import properties
from helpdesk.tickets import service as tickets
from helpdesk.tickets.models import Ticket, TicketCreate, TicketUpdate
from tests.reports.conftest import fresh_golden
from tests.reports.golden import AS_OF, S2

TABLES = ("stats_customer", "stats_sales_month", "stats_sales_day", "stats_ticket", "stats_support_day", "stats_claim",
          "stats_cohort", "stats_repeat", "stats_group", "stats_segment_mix", "stats_gap", "stats_category")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    yield from fresh_golden(tmp_path_factory.mktemp("incremental"))


def snapshot(db) -> dict[str, list]:
    with db.main.connect() as connection:
        tables = {name: sorted(tuple(map(str, row)) for row in connection.execute(text(f"SELECT * FROM {name}")))
                  for name in TABLES}
        tables["customer.tier"] = sorted(connection.execute(text("SELECT id, tier FROM customer")).all())
        state = connection.execute(text("SELECT cutoff_platinum, cutoff_gold, cutoff_silver, ranked_customers "
                                        "FROM stats_state")).one()
    return tables | {"cutoffs": [tuple(state)]}


def assert_same(incremental: dict, full: dict) -> None:
    for name in full:
        assert incremental[name] == full[name], f"{name} differs after the incremental refresh"


def test_incremental_equals_full(world):
    settings, golden = world
    db = golden.db
    with db.write() as session:
        # A new purchase: C19 (standard, 1,000 this year) buys a 2,00,000 TV online, which makes them platinum and
        # moves the cut-offs, so other customers change tier too.
        purchase = Purchase(order_number="INC-NEW-1", customer_id=golden.ids["C19"], store=S2, channel="online",
                            purchased_on=AS_OF, total_paise=200_000_00)
        session.add(purchase)
        session.flush()
        session.add(PurchaseLine(purchase_id=purchase.id, product_id=golden.products["TV"], unit_price_paise=200_000_00))
        # A return: C09's TV of 1 Oct 2025 is refunded.
        refunded = session.execute(select(Purchase).where(Purchase.customer_id == golden.ids["C09"])).scalar_one()
        refunded.payment_status = "refunded"
        session.commit()
    with db.write() as session:
        # A ticket solved through the desk: T4 (open since 10 Jun) gets solved now.
        ticket = session.get(Ticket, golden.tickets["T4"])
        properties.update_ticket(session, ticket=ticket, data=TicketUpdate(version=ticket.version, status="solved"),
                              agent_id=golden.supervisor_id)
    with db.write() as session:
        tiers.set_override(session, customer=session.get(Customer, golden.ids["C11"]), tier="platinum",
                           reason="Hotel chain", agent_id=golden.supervisor_id)
    with db.write() as session:
        tickets.open_ticket(session, customer=session.get(Customer, golden.ids["C12"]),
                            data=TicketCreate(subject="Screen flickers", body="Since Monday."), agent_id=None)
    with db.read() as session:
        assert session.execute(select(StatsDirty.id)).first() is not None, "the writes should have marked customers"

    report = incremental_refresh(db, settings.reports)
    assert report.kind == "incremental" and report.customers >= 5
    with db.read() as session:
        assert session.execute(select(StatsDirty.id)).first() is None
    after_incremental = snapshot(db)
    full_refresh(db, settings.reports, as_of=AS_OF)
    assert_same(after_incremental, snapshot(db))


def test_a_refresh_with_nothing_marked_changes_nothing(world):
    settings, golden = world
    before = snapshot(golden.db)
    assert refresh(golden.db, settings.reports, as_of=AS_OF).kind == "nothing"
    assert snapshot(golden.db) == before


def test_a_new_day_or_new_settings_mean_a_full_refresh(world):
    settings, golden = world
    assert refresh(golden.db, settings.reports, as_of=AS_OF).kind == "nothing"
    from dataclasses import replace

    changed = replace(settings.reports, cost_per_ticket_paise=300_00)
    assert refresh(golden.db, changed, as_of=AS_OF).kind == "full"
    assert refresh(golden.db, settings.reports, as_of=AS_OF).kind == "full"  # back to the real settings


def test_a_busy_full_refresh_makes_others_wait(world):
    settings, golden = world
    from helpdesk.reports.models import StatsState

    with golden.db.write() as session:
        session.get(StatsState, 1).busy_since = datetime.now(UTC)
        session.commit()
    try:
        assert full_refresh(golden.db, settings.reports, as_of=AS_OF).kind == "busy"
        assert incremental_refresh(golden.db, settings.reports).kind == "busy"
    finally:
        with golden.db.write() as session:
            session.get(StatsState, 1).busy_since = None
            session.commit()
