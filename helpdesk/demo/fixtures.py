"""The demo catalogue, people pieces and text templates, read from fixtures/ and checked once."""

from __future__ import annotations

import csv
import json
import string
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from helpdesk.config import FIXTURES_DIR

LANGUAGES = ("en", "hi", "hinglish")

# Shelf prices in rupees (low, high) per category; a product's price sits at a fixed point of its band.
PRICE_BANDS = {
    "Refrigerator": (11_990, 94_990),
    "Washing machine": (9_990, 54_990),
    "Air conditioner": (24_990, 64_990),
    "Television": (8_990, 1_59_990),
    "Microwave": (5_490, 21_990),
    "Water purifier": (7_990, 23_990),
    "Mixer grinder": (1_990, 8_990),
    "Laptop": (32_990, 1_39_990),
    "Smartphone": (1_499, 74_990),
    "Geyser": (3_990, 17_990),
    "Ceiling fan": (1_790, 5_990),
    "Air cooler": (5_990, 15_990),
    "Kitchen chimney": (8_990, 29_990),
    "Soundbar": (3_490, 29_990),
    "Induction cooktop": (1_890, 4_990),
    "Dishwasher": (27_990, 54_990),
}

# How often each category turns up in a basket: phones, TVs and kitchen goods sell far more than dishwashers.
CATEGORY_WEIGHTS = {
    "Smartphone": 14, "Television": 10, "Refrigerator": 9, "Washing machine": 8, "Air conditioner": 8,
    "Mixer grinder": 8, "Ceiling fan": 8, "Water purifier": 6, "Laptop": 6, "Microwave": 5, "Geyser": 5,
    "Air cooler": 4, "Induction cooktop": 4, "Kitchen chimney": 3, "Soundbar": 3, "Dishwasher": 1,
}


class FixtureError(ValueError):
    """A fixture file is missing a piece the generator needs."""


@dataclass(frozen=True)
class CatalogueItem:
    sku: str
    name: str
    brand: str
    category: str
    model_number: str
    warranty_months: int

    @property
    def list_price_rupees(self) -> int:
        """A stable shelf price inside the category band (the catalogue carries no prices)."""
        low, high = PRICE_BANDS[self.category]
        point = (zlib.crc32(self.sku.encode()) % 1000) / 1000
        # Shops price at ...9 (₹24,499), not at round numbers.
        return int(low + point * (high - low)) // 10 * 10 + 9


@dataclass(frozen=True)
class Fixtures:
    catalogue: tuple[CatalogueItem, ...]
    people: dict
    texts: dict


def read_catalogue(path: Path) -> tuple[CatalogueItem, ...]:
    """Products from the catalogue CSV (sku,name,brand,category,model_number,warranty_months)."""
    with path.open(newline="", encoding="utf-8") as handle:
        items = tuple(
            CatalogueItem(
                sku=row["sku"].strip(),
                name=row["name"].strip(),
                brand=row["brand"].strip(),
                category=row["category"].strip(),
                model_number=row["model_number"].strip(),
                warranty_months=int(row["warranty_months"]),
            )
            for row in csv.DictReader(handle)
        )
    skus = [item.sku for item in items]
    if len(set(skus)) != len(skus):
        raise FixtureError(f"{path}: duplicate SKUs")
    unknown = {item.category for item in items} - PRICE_BANDS.keys()
    if unknown:
        raise FixtureError(f"{path}: no price band for categories {sorted(unknown)}")
    return items


def template_fields(template: str) -> set[str]:
    """The placeholder names a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def all_templates(node) -> list[str]:
    """Every template string in a nested fixture structure."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [text for item in node for text in all_templates(item)]
    if isinstance(node, dict):
        return [text for value in node.values() for text in all_templates(value)]
    return []


def check_texts(texts: dict, catalogue: tuple[CatalogueItem, ...], known_fields: set[str]) -> None:
    """Every category has faults in all three languages, and templates use only fields the writer fills."""
    for category in {item.category for item in catalogue}:
        faults = texts["categories"].get(category, {}).get("faults")
        if not faults:
            raise FixtureError(f"texts.json: no faults for category {category!r}")
        for key, fault in {**faults, **texts["topics"]}.items():
            for part in ("subject", "complaint"):
                missing = [lang for lang in LANGUAGES if not fault[part].get(lang)]
                if missing:
                    raise FixtureError(f"texts.json: {category}/{key} {part} lacks {missing}")
    unknown = set()
    for template in all_templates({k: v for k, v in texts.items() if k != "hinglish_variants"}):
        unknown |= template_fields(template) - known_fields
    if unknown:
        raise FixtureError(f"texts.json: templates use unknown fields {sorted(unknown)}")


@cache
def load_fixtures(directory: Path = FIXTURES_DIR) -> Fixtures:
    """Read the three fixture files once per process."""
    catalogue = read_catalogue(directory / "catalogue.csv")
    people = json.loads((directory / "people.json").read_text(encoding="utf-8"))
    texts = json.loads((directory / "texts.json").read_text(encoding="utf-8"))
    return Fixtures(catalogue=catalogue, people=people, texts=texts)
