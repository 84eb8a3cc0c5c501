"""One customer's invented history: purchases and lines, tickets with their threads, warranty claims, and notes."""

from __future__ import annotations

import random
from datetime import datetime

from helpdesk.demo.fixtures import CATEGORY_WEIGHTS, Fixtures
from helpdesk.demo.loyalty_rows import ledger_rows
from helpdesk.demo.people import PeopleMaker, Person
from helpdesk.demo.rows import DAY, Clock, IdCounters, LineFacts, Rows, StockedProduct, in_shop_hours
from helpdesk.sales.service import add_months
from helpdesk.demo.texts import TextWriter, format_rupees
from helpdesk.timeutil import SHOP_TZ

HISTORY_YEARS = 6
# Average activity of an ordinary customer; tuned so that interactions average about ten per customer.
EXTRA_PURCHASES_MEAN = 1.5
FAULT_TICKET_SHARE = 0.30
TOPIC_TICKET_SHARE = 0.12
STANDALONE_MEAN = 2.0
# Customers with a very long history (a housing society, a small hotel) that stress the single-customer page.
LONG_PURCHASES = (270, 330)
LONG_INTERACTIONS = (2800, 3200)
# Tier by lifetime spend in paise (refunds and amounts still owed do not count), highest first.
TIERS = (("platinum", 5_00_000_00), ("gold", 2_00_000_00), ("silver", 75_000_00), ("standard", 0))


def _consents(marketing: bool, sms: bool) -> dict[str, bool]:
    """Per-channel marketing consent from two draws (the same draws as before, so the same seed gives the same data)."""
    return {"consent_sms": marketing and sms, "consent_email": marketing, "consent_whatsapp": False}


class HistoryMaker:
    """Builds every row of one customer's history; all randomness comes from one seeded generator."""

    def __init__(self, fixtures: Fixtures, rng: random.Random, writer: TextWriter, clock: Clock, ids: IdCounters, *,
                 products: list[StockedProduct], tag_ids: dict[str, int], agent_ids: list[int],
                 sla: dict[str, tuple[int, int]]) -> None:
        self.rng = rng
        self.writer = writer
        self.clock = clock
        self.ids = ids
        self.texts = fixtures.texts
        self.agent_ids = agent_ids
        self.tag_ids = tag_ids
        self.sla = sla
        self.agent_names = fixtures.people["agent_first_names"]
        self.online_stores = fixtures.people["online_stores"]
        self.phone_store = fixtures.people["phone_store"]
        self.stores = [store["name"] for store in fixtures.people["stores"]]
        by_category: dict[str, list[StockedProduct]] = {}
        for product in products:
            by_category.setdefault(product.item.category, []).append(product)
        self.category_pool = [c for c in sorted(by_category) for _ in range(CATEGORY_WEIGHTS.get(c, 1))]
        self.by_category = by_category
        self.faults = {c: list(self.texts["categories"][c]["faults"].values()) for c in by_category}
        self.topics = list(self.texts["topics"].items())

    # -- small draws -------------------------------------------------------------------------------

    def _agent(self) -> int | None:
        # Always draw, so the sequence of random numbers (and the data) is the same with or without agents.
        pick = self.rng.random()
        return self.agent_ids[int(pick * len(self.agent_ids))] if self.agent_ids else None

    def _shop_second(self) -> int:
        """A moment in shop hours (10:00-21:00)."""
        return self.rng.randrange(10 * 3600, 21 * 3600)

    def _product(self) -> StockedProduct:
        return self.rng.choice(self.by_category[self.rng.choice(self.category_pool)])

    # -- the customer ------------------------------------------------------------------------------

    def customer(self, code: str, person_maker: PeopleMaker, rows: Rows, *, long_history: bool) -> None:
        """Append the rows for one customer: neutral record, personal record, purchases, tickets, notes."""
        rng, clock, ids = self.rng, self.clock, self.ids
        horizon = clock.horizon_day
        span = HISTORY_YEARS * 365
        if long_history:
            created_day = horizon - rng.randint(span - 180, span)
        else:
            created_day = horizon - 1 - int((span - 1) * rng.random() ** 1.15)
        created_s = created_day * DAY + self._shop_second()
        customer_id = ids.customer
        ids.customer += 1
        person: Person = person_maker.make(code, clock.at(created_s))
        rows.personal.append(person.record)
        language = self.writer.preferred_language()

        if long_history:
            extra = rng.randint(*LONG_PURCHASES) - 1
        else:
            extra = min(int(rng.expovariate(1 / EXTRA_PURCHASES_MEAN)), 15)
        # The first purchase is the day the customer was registered at the till.
        purchase_days = [created_day] + sorted(rng.randrange(created_day, horizon) for _ in range(extra))
        lines: list[LineFacts] = []
        orders: list[LineFacts] = []
        spend = 0
        for day in purchase_days:
            first_line, paid = self._purchase(customer_id, day, person, rows, lines)
            orders.append(first_line)
            spend += paid
        ledger, points = ledger_rows(customer_id, rows.tables["purchase"][-len(purchase_days):], rng.uniform(0.3, 1.0))
        rows.tables["loyalty_entry"] += ledger
        tier = next(name for name, floor in TIERS if spend >= floor)
        rows.tables["customer"].append({
            "id": customer_id, "code": code, "created_at": clock.at(created_s), "tier": tier,
            "loyalty_points": points, **_consents(rng.random() < 0.35, rng.random() < 0.55),
        })
        base = {"first_name": person.first_name, "city": person.city, "points": points,
                "store": person.home_store or rng.choice(self.stores)}
        count = 0
        for line in lines:
            if rng.random() < FAULT_TICKET_SHARE:
                day = line.day + 2 + int(rng.expovariate(1 / 320))
                if day < horizon:
                    count += self._ticket(customer_id, base, language, line, day, rows, topic=None)
        for line in orders:
            if rng.random() < TOPIC_TICKET_SHARE:
                day = line.day + rng.randint(1, 12)
                if day < horizon:
                    count += self._ticket(customer_id, base, language, line, day, rows, topic=rng.choice(self.topics))
        if long_history:
            standalone = max(0, rng.randint(*LONG_INTERACTIONS) - count)
        else:
            standalone = int(rng.expovariate(1 / STANDALONE_MEAN))
        for _ in range(standalone):
            self._standalone(customer_id, base, language, rng.choice(orders), created_day, rows)

    def _purchase(self, customer_id: int, day: int, person: Person, rows: Rows,
                  lines: list[LineFacts]) -> tuple[LineFacts, int]:
        """One order with 1-3 lines; returns its first line and the amount counted towards the tier."""
        rng, ids, clock = self.rng, self.ids, self.clock
        purchase_id = ids.purchase
        ids.purchase += 1
        on = clock.day(day)
        order_number = f"ORD-{on.year}-{purchase_id:07d}"
        roll = rng.random()
        if person.home_store and roll < 0.55:
            store, channel = person.home_store, "store"
        elif roll < 0.93:
            store, channel = rng.choice(self.online_stores), "online"
        else:
            store, channel = self.phone_store, "phone"
        count = 1 if (pick := rng.random()) < 0.7 else 2 if pick < 0.92 else 3
        total = 0
        first: LineFacts | None = None
        for _ in range(count):
            product = self._product()
            item = product.item
            quantity = rng.choice((1, 1, 2, 3, 4)) if item.category == "Ceiling fan" else 1
            price = (int(item.list_price_rupees * rng.uniform(0.88, 1.0)) // 10 * 10 + 9) * 100
            serial = f"{product.serial_prefix}{on.year % 100:02d}{on.month:02d}{rng.randrange(10**6):06d}"
            line_id = ids.purchase_line
            ids.purchase_line += 1
            rows.tables["purchase_line"].append({
                "id": line_id, "purchase_id": purchase_id, "product_id": product.id, "serial_number": serial,
                "quantity": quantity, "unit_price_paise": price,
            })
            total += price * quantity
            facts = LineFacts(line_id, product, day, order_number, serial, store,
                              clock.index(add_months(on, item.warranty_months)), price)
            lines.append(facts)
            first = first or facts
        age = clock.horizon_day - day
        roll = rng.random()
        if age < 45:
            status = "paid" if roll < 0.8 else "pending" if roll < 0.88 else "partial"
        else:
            status = "paid" if roll < 0.96 else "partial" if roll < 0.99 else "refunded"
        if status == "pending":
            due = total
        elif status == "partial":
            due = int(total * rng.uniform(0.2, 0.6)) // 100 * 100
        else:
            due = 0
        rows.tables["purchase"].append({
            "id": purchase_id, "order_number": order_number, "customer_id": customer_id, "store": store,
            "channel": channel, "purchased_on": on, "payment_status": status, "total_paise": total,
            "amount_due_paise": due, "created_at": clock.at(day * DAY + self._shop_second()),
        })
        return first, 0 if status == "refunded" else total - due

    # -- tickets -----------------------------------------------------------------------------------

    def _status_for_age(self, age_days: int) -> str:
        roll = self.rng.random()
        if age_days < 2:
            return "new" if roll < 0.4 else "open" if roll < 0.85 else "pending"
        if age_days < 14:
            return "open" if roll < 0.3 else "pending" if roll < 0.55 else "solved" if roll < 0.9 else "closed"
        if age_days < 120 and roll < 0.03:
            return "pending" if roll < 0.015 else "open"
        return "solved" if roll < 0.06 else "closed"

    def _ticket(self, customer_id: int, base: dict, language: str, line: LineFacts, day: int, rows: Rows,
                *, topic: tuple[str, dict] | None) -> int:
        """A ticket with its thread (and maybe a warranty claim); returns how many interactions it wrote."""
        rng, clock, writer, ids = self.rng, self.clock, self.writer, self.ids
        item = line.product.item
        ticket_id = ids.ticket
        ids.ticket += 1
        number = f"T-{ids.ticket_number:06d}"
        ids.ticket_number += 1
        if topic is None:
            story = rng.choice(self.faults[item.category])
            tags = [item.category.lower().replace(" ", "-")]
        else:
            story = topic[1]
            tags = [topic[0].replace("_", "-")]
        in_warranty = day <= line.warranty_end_day
        fields = {
            **base, **writer.spellings(),
            "ticket": number, "brand": item.brand, "category_lower": item.category.lower(), "model": item.model_number,
            "order": line.order_number, "serial": line.serial, "product": item.name, "sold_by": line.store,
            "purchase_date": clock.day(line.day).strftime("%d %b %Y"),
            "warranty_end": clock.day(line.warranty_end_day).strftime("%d %b %Y"),
            "days": rng.randint(2, 9), "code": rng.choice(story.get("codes") or ("E1",)),
            "amount": format_rupees(line.price_paise if topic else rng.randrange(800, 6500) * 100),
            "visit_date": clock.day(day + rng.randint(2, 5)).strftime("%d %b"),
            "slot": rng.choice(self.texts["generic"]["visit_slots"]),
            "agent_name": rng.choice(self.agent_names),
        }
        fields["fix"] = writer.render(story["fix"], "en", fields)
        speaks = writer.customer_language(language)
        subject = writer.render(story["subject"], speaks, fields)[:200]
        fields["complaint"] = writer.render(story["complaint"], speaks, fields)

        start_s = day * DAY + self._shop_second()
        status = self._status_for_age(clock.horizon_day - day)
        channel = rng.choice(("phone", "phone", "phone", "email", "email", "web", "store"))
        assignee = self._agent()
        if status == "new" and rng.random() < 0.5:
            assignee = None
        priority = rng.choice(("low", "normal", "normal", "normal", "normal", "high", "high", "urgent"))
        thread = self._thread(status, channel, assignee, subject, language, speaks, fields,
                              warranty_note=None if topic else ("in_warranty" if in_warranty else "expired"))
        last_s, solved_at, responded_at = self._write_thread(customer_id, ticket_id, channel, start_s, thread, rows)

        first_due = resolution_due = None
        if priority in self.sla:
            first_minutes, resolution_minutes = self.sla[priority]
            first_due = clock.at(start_s + first_minutes * 60)
            resolution_due = clock.at(start_s + resolution_minutes * 60)
        score = comment = None
        if solved_at and rng.random() < 0.45:
            score = rng.choice((5, 5, 5, 5, 4, 4, 4, 3, 2, 1))
            if rng.random() < 0.4:
                mood = "high" if score >= 4 else "mid" if score == 3 else "low"
                comment = writer.render(self.texts["generic"]["satisfaction"][mood], "en", fields)
        rows.tables["ticket"].append({
            "id": ticket_id, "number": number, "customer_id": customer_id, "subject": subject, "status": status,
            "priority": priority, "channel": channel, "assignee_id": assignee, "purchase_line_id": line.line_id,
            "first_response_due": first_due, "resolution_due": resolution_due, "created_at": clock.at(start_s),
            "updated_at": clock.at(last_s), "solved_at": solved_at, "satisfaction_score": score,
            "satisfaction_comment": comment, "version": 1, "first_responded_at": responded_at,
            "created_by_id": assignee if channel in ("phone", "store") else None,
        })
        if topic is None and rng.random() < (0.45 if in_warranty else 0.1):
            self._claim(customer_id, ticket_id, line, story, fields, speaks, start_s, last_s, status, in_warranty, rows)
            tags.append("warranty")
        if rng.random() < 0.05:
            tags.append("escalated")
        for tag in tags:
            rows.tables["ticket_tag"].append({"ticket_id": ticket_id, "tag_id": self.tag_ids[tag]})
        return len(thread)

    def _thread(self, status: str, channel: str, assignee: int | None, subject: str, language: str, speaks: str,
                fields: dict, *, warranty_note: str | None) -> list[tuple]:
        """The ticket's entries in order, as (kind, channel, author, summary, body); times come later."""
        rng, writer = self.rng, self.writer
        if channel == "phone":
            thread = [("call", "phone", assignee, subject, writer.generic_text("opening_call", speaks, fields))]
        elif channel == "store":
            thread = [("note", "store", assignee, subject, writer.generic_text("opening_store", speaks, fields))]
        else:
            thread = [("email", channel, None, subject, fields["complaint"])]
        agent_speaks = writer.agent_language(language)
        if status != "new":
            thread.append(self._status_change("new", "open", assignee, fields))
            if rng.random() < 0.75:
                ack = writer.generic_text("ack_reply", agent_speaks, fields)
                thread.append(("reply", "email", assignee, None, ack))
            if warranty_note:
                note = writer.render(self.texts["generic"]["warranty_note"][warranty_note], "en", fields)
                thread.append(("note", None, assignee, None, note))
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
                thread.append(self._middle_step(assignee, language, agent_speaks, fields))
        if status == "pending":
            thread.append(self._status_change("open", "pending", assignee, fields))
        if status in ("solved", "closed"):
            thread.append(("note", None, assignee, None, writer.generic_text("technician_report", "en", fields)))
            if rng.random() < 0.8:
                resolved = writer.generic_text("resolved_reply", agent_speaks, fields)
                thread.append(("reply", "email", assignee, None, resolved))
            thread.append(self._status_change("open", "solved", assignee, fields))
        if status == "closed":
            thread.append(self._status_change("solved", "closed", None, fields))
        return thread

    def _write_thread(self, customer_id: int, ticket_id: int, channel: str, start_s: int, thread: list[tuple],
                      rows: Rows) -> tuple[int, datetime | None, datetime | None]:
        """Spread the thread over the days after start_s; returns the last moment, solved-at and first response."""
        rng, clock, ids = self.rng, self.clock, self.ids
        horizon_s = clock.horizon_day * DAY
        gaps = [rng.randrange(600, DAY) for _ in thread]
        gaps[0] = 0
        # A ticket opened yesterday evening squeezes its thread into the hours left before the horizon.
        room = max(horizon_s - start_s - 60, len(thread))
        scale = min(1.0, room / max(sum(gaps), 1))
        moment = start_s
        solved_at = None
        # On the phone or at the counter someone answers at once; written requests wait for the first reply.
        responded_at = clock.at(start_s) if channel in ("phone", "store") else None
        for (kind, via, author, summary, body), gap in zip(thread, gaps, strict=True):
            if gap:
                moment = in_shop_hours(moment + max(1, int(gap * scale)), horizon_s)
            if kind == "status_change" and summary.endswith("solved"):
                solved_at = clock.at(moment)
            elif responded_at is None and gap and kind in ("reply", "call"):
                responded_at = clock.at(moment)
            rows.tables["interaction"].append({
                "id": ids.interaction, "customer_id": customer_id, "ticket_id": ticket_id, "kind": kind,
                "channel": via, "author_id": author, "summary": summary, "body": body, "created_at": clock.at(moment),
            })
            ids.interaction += 1
        return moment, solved_at, responded_at

    def _claim_number(self, year: int) -> str:
        sequence = self.ids.claim_numbers.get(year, 0) + 1
        self.ids.claim_numbers[year] = sequence
        return f"W-{year}-{sequence:06d}"

    def _status_change(self, old: str, new: str, author: int | None, fields: dict):
        reasons = self.texts["generic"]["status_reasons"][new]
        body = self.writer.render(self.texts["generic"]["status_change"], "en",
                                  {**fields, "old": old, "new": new, "reason": self.rng.choice(reasons)})
        return ("status_change", None, author, f"{old} → {new}", body)

    def _middle_step(self, assignee: int | None, language: str, agent_speaks: str, fields: dict):
        """One of the back-and-forth entries between opening a ticket and solving it."""
        writer, roll = self.writer, self.rng.random()
        if roll < 0.25:
            return ("note", None, assignee, None, writer.generic_text("agent_note", agent_speaks, fields))
        if roll < 0.45:
            return ("reply", "email", assignee, None, writer.generic_text("visit_reply", agent_speaks, fields))
        if roll < 0.7:
            body = writer.generic_text("customer_followup", writer.customer_language(language), fields)
            return ("email", "email", None, None, body) if roll < 0.55 else ("call", "phone", assignee, None, body)
        return ("call", "phone", assignee, None, writer.generic_text("outbound_call", agent_speaks, fields))

    def _claim(self, customer_id: int, ticket_id: int, line: LineFacts, story: dict, fields: dict, speaks: str,
               start_s: int, last_s: int, ticket_status: str, in_warranty: bool, rows: Rows) -> None:
        rng, ids, clock = self.rng, self.ids, self.clock
        claim_id = ids.warranty_claim
        ids.warranty_claim += 1
        remedy = rng.choice(("repair",) * 15 + ("replace",) * 4 + ("refund",))
        words = self.texts["generic"]["remedy_words"][remedy]
        suffix = self.writer.render(self.texts["generic"]["claim_suffix"], speaks, {**fields, "remedy": words[speaks]})
        still_open = ticket_status in ("new", "open", "pending")
        if not in_warranty:
            status = "submitted" if ticket_status == "new" else "in_review" if still_open else "rejected"
        elif still_open:
            in_progress = ("submitted", "in_review", "approved", "in_repair")
            status = "submitted" if ticket_status == "new" else rng.choice(in_progress)
        elif rng.random() < 0.08:
            status = "rejected"
        else:
            status = {"repair": "closed", "replace": "replaced", "refund": "refunded"}[remedy]
            if rng.random() < 0.6:
                status = "closed"
        filed_s = min(start_s + rng.randrange(60, 4 * 3600), max(start_s, clock.horizon_day * DAY - 60))
        contact = rng.choice(self.texts["generic"]["contact_times"]) if rng.random() < 0.6 else None
        rows.tables["warranty_claim"].append({
            "id": claim_id, "number": self._claim_number(clock.at(filed_s).astimezone(SHOP_TZ).year),
            "customer_id": customer_id,
            "purchase_line_id": line.line_id, "ticket_id": ticket_id, "fault_category": story["label"],
            "description": f"{fields['complaint']} {suffix}", "remedy": remedy, "status": status,
            "eligibility": "in_warranty" if in_warranty else "expired", "preferred_contact_time": contact,
            "filed_at": clock.at(filed_s), "updated_at": clock.at(max(filed_s, last_s)),
        })

    # -- history outside tickets -------------------------------------------------------------------

    def _standalone(self, customer_id: int, base: dict, language: str, line: LineFacts, created_day: int,
                    rows: Rows) -> None:
        """A call, e-mail or note that never became a ticket (offers, invoices, feedback)."""
        rng, writer, clock = self.rng, self.writer, self.clock
        day = rng.randrange(max(created_day, line.day), clock.horizon_day)
        roll = rng.random()
        kind, via = ("call", "phone") if roll < 0.45 else ("email", "email") if roll < 0.7 else ("note", None)
        item = line.product.item
        fields = {**base, **writer.spellings(), "product": item.name, "order": line.order_number,
                  "category_lower": item.category.lower()}
        speaks = writer.customer_language(language) if kind != "note" else writer.agent_language(language)
        body = writer.render(self.texts["generic"]["standalone"][kind], speaks, fields)
        rows.tables["interaction"].append({
            "id": self.ids.interaction, "customer_id": customer_id, "ticket_id": None, "kind": kind, "channel": via,
            "author_id": None if kind == "email" else self._agent(), "summary": None, "body": body,
            "created_at": clock.at(day * DAY + self._shop_second()),
        })
        self.ids.interaction += 1
