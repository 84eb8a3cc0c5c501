"""Renders ticket subjects and interaction bodies from texts.json in English, Hindi and Hinglish."""

from __future__ import annotations

import random

from helpdesk.demo.fixtures import LANGUAGES
from helpdesk.templating import format_inr

# Placeholders the generator fills; fixtures.check_texts rejects templates that use anything else.
TICKET_FIELDS = frozenset({
    "first_name", "ticket", "brand", "category_lower", "model", "order", "serial", "product", "purchase_date",
    "warranty_end", "city", "store", "days", "code", "amount", "visit_date", "slot", "agent_name", "points",
    "complaint", "fix", "remedy", "old", "new", "reason", "sold_by",
})

# How often someone who prefers one language writes in each of the three (people switch, agents more so).
_CUSTOMER_MIX = {"en": (0.85, 0.05), "hi": (0.25, 0.65), "hinglish": (0.25, 0.1)}
_AGENT_MIX = {"en": (0.95, 0.02), "hi": (0.45, 0.3), "hinglish": (0.5, 0.05)}


def format_rupees(paise: int) -> str:
    """₹1,24,999: whole rupees, as people write them in messages."""
    return format_inr(paise, with_paise=False)


class TextWriter:
    """Picks a language and a template and fills it; all randomness comes from the caller's generator."""

    def __init__(self, texts: dict, rng: random.Random) -> None:
        self.texts = texts
        self.generic = texts["generic"]
        self.rng = rng
        variants = texts["hinglish_variants"]
        # A person spells consistently within one conversation: pick a whole set of spellings per ticket.
        self.spelling_sets = [
            {word: rng.choice(options) for word, options in variants.items()} for _ in range(64)
        ]
        languages = texts["languages"]
        self._language_pool = [lang for lang in LANGUAGES for _ in range(languages[lang])]

    def preferred_language(self) -> str:
        return self.rng.choice(self._language_pool)

    def spellings(self) -> dict[str, str]:
        return self.rng.choice(self.spelling_sets)

    def _language(self, preferred: str, mix: dict) -> str:
        english_share, hindi_share = mix[preferred]
        roll = self.rng.random()
        if roll < english_share:
            return "en"
        if roll < english_share + hindi_share:
            return "hi"
        return "hinglish"

    def customer_language(self, preferred: str) -> str:
        return self._language(preferred, _CUSTOMER_MIX)

    def agent_language(self, preferred: str) -> str:
        return self._language(preferred, _AGENT_MIX)

    def render(self, node: dict | list, language: str, fields: dict) -> str:
        """One template from a per-language dict (or a plain list), filled with fields."""
        options = (node.get(language) or node["en"]) if isinstance(node, dict) else node
        return self.rng.choice(options).format_map(fields)

    def generic_text(self, name: str, language: str, fields: dict) -> str:
        return self.render(self.generic[name], language, fields)
