"""Invented Indian people for the personal-data store: names, mobile numbers, e-mail and postal addresses."""

from __future__ import annotations

import random
import re
from collections import deque
from dataclasses import dataclass

# Share of customers who join a relative already on file and give the family's number and address.
FAMILY_SHARE = 0.018
EMAIL_SHARE = 0.70
ALT_PHONE_SHARE = 0.15
# People move: some live outside their name's usual region.
MOVED_SHARE = 0.10

_NOT_EMAIL = re.compile(r"[^a-z]")


@dataclass(slots=True)
class Person:
    first_name: str
    city: str
    home_store: str | None
    record: dict


class PeopleMaker:
    """Deterministic people from a seeded generator; a few families share a phone number and address."""

    def __init__(self, people: dict, rng: random.Random) -> None:
        self.rng = rng
        self.regions = list(people["regions"].values())
        self.region_pool = [region for region in self.regions for _ in range(region["weight"])]
        self.cities = people["cities"]
        self.city_names = list(self.cities)
        self.stores_by_city: dict[str, list[str]] = {}
        for store in people["stores"]:
            self.stores_by_city.setdefault(store["city"], []).append(store["name"])
        self.address = people["address"]
        self.email_domains = people["email_domains"]
        self.used_phones: set[str] = set()
        self.recent: deque[tuple[str, str, dict]] = deque(maxlen=500)

    def mobile(self) -> str:
        """A new +91 mobile number (10 digits starting 6-9), unique within this load."""
        rng = self.rng
        while True:
            phone = f"+91{rng.randint(6, 9)}{rng.randrange(10**9):09d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def _address_line(self, city: dict) -> str:
        rng = self.rng
        pieces = self.address
        locality = rng.choice(city["localities"])
        style = rng.random()
        if style < 0.45:
            return f"Flat {rng.randint(1, 14)}{rng.randint(1, 8):02d}, {rng.choice(pieces['buildings'])}, {locality}"
        if style < 0.75:
            return f"House No. {rng.randint(1, 480)}, {rng.choice(pieces['streets'])}, {locality}"
        return (f"{rng.randint(1, 60)}/{rng.randint(1, 30)}, {rng.choice(pieces['streets'])}, "
                f"{rng.choice(pieces['landmarks'])}, {locality}")

    def _email(self, given: str, surname: str) -> str:
        rng = self.rng
        first = _NOT_EMAIL.sub("", given.lower().split()[-1])
        last = _NOT_EMAIL.sub("", surname.lower())
        style = rng.random()
        if style < 0.4:
            local = f"{first}.{last}"
        elif style < 0.7:
            local = f"{first}{last}{rng.randint(1, 99)}"
        else:
            local = f"{first[:1]}{last}{rng.randint(1960, 2005)}"
        return f"{local}@{rng.choice(self.email_domains)}"

    def make(self, code: str, updated_at) -> Person:
        """A person for the customer with this code; the record is a personal_record row."""
        rng = self.rng
        region = rng.choice(self.region_pool)
        given = rng.choice(region["given_female"] if rng.random() < 0.48 else region["given_male"])
        family = rng.random() < FAMILY_SHARE and self.recent
        if family:
            surname, phone, place = rng.choice(self.recent)
            city_name = place["city"]
        else:
            surname = rng.choice(region["surnames"])
            phone = self.mobile()
            city_name = rng.choice(self.city_names) if rng.random() < MOVED_SHARE else rng.choice(region["cities"])
            city = self.cities[city_name]
            place = {
                "address_line": self._address_line(city),
                "city": city_name,
                "state": city["state"],
                "pin_code": f"{rng.choice(city['pin_prefixes'])}{rng.randint(1, 99):03d}",
            }
            self.recent.append((surname, phone, place))
        if rng.random() < region.get("initial_style", 0):
            full_name = f"{surname[0]}. {given}"
        else:
            full_name = f"{given} {surname}"
        email = self._email(given, surname) if rng.random() < EMAIL_SHARE else None
        alt_phone = self.mobile() if rng.random() < ALT_PHONE_SHARE else None
        stores = self.stores_by_city.get(city_name)
        record = {
            "customer_code": code,
            "full_name": full_name,
            "phone": phone,
            "alt_phone": alt_phone,
            "email": email,
            **place,
            "updated_at": updated_at,
        }
        home_store = rng.choice(stores) if stores else None
        return Person(first_name=given, city=city_name, home_store=home_store, record=record)
