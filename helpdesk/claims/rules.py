"""Claim rules as pure functions: eligibility at filing, the status machine, and fault categories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from helpdesk.claims.models import ClaimStatus, Eligibility
from helpdesk.sales.service import WarrantyStatus, warranty_status

# A claim still being worked on: a second claim for the same item is a duplicate of it.
OPEN_CLAIM_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.APPROVED, ClaimStatus.IN_REPAIR)

NEXT_CLAIM_STATUSES: dict[str, tuple[str, ...]] = {
    ClaimStatus.SUBMITTED: (ClaimStatus.IN_REVIEW, ClaimStatus.REJECTED),
    ClaimStatus.IN_REVIEW: (ClaimStatus.APPROVED, ClaimStatus.REJECTED),
    ClaimStatus.APPROVED: (ClaimStatus.IN_REPAIR, ClaimStatus.REPLACED, ClaimStatus.REFUNDED),
    ClaimStatus.IN_REPAIR: (ClaimStatus.REPLACED, ClaimStatus.CLOSED),
    ClaimStatus.REPLACED: (ClaimStatus.CLOSED,),
    ClaimStatus.REFUNDED: (ClaimStatus.CLOSED,),
    ClaimStatus.REJECTED: (ClaimStatus.CLOSED,),
    ClaimStatus.CLOSED: (),
}

STATUSES_NEEDING_REASON = (ClaimStatus.REJECTED,)


def can_change_claim_status(current: str, new: str) -> bool:
    """True when `new` may follow `current`."""
    return new in NEXT_CLAIM_STATUSES.get(current, ())


def needs_supervisor(*, eligibility: str, new_status: str) -> bool:
    """Approving a claim filed out of warranty is a supervisor's decision."""
    return new_status == ClaimStatus.APPROVED and eligibility == Eligibility.EXPIRED


@dataclass(frozen=True)
class EligibilityCheck:
    """What the desk decides for an item at filing time."""

    eligibility: Eligibility
    warranty: WarrantyStatus
    open_claim_number: str | None = None

    @property
    def message(self) -> str:
        if self.eligibility == Eligibility.RETURNED:
            return "This item was returned to the shop (credit note): it cannot get a warranty claim."
        if self.eligibility == Eligibility.DUPLICATE:
            return f"This item already has an open claim, {self.open_claim_number}: add to it instead."
        if self.eligibility == Eligibility.EXPIRED:
            return (f"Out of warranty (expired on {self.warranty.expired_on:%d %b %Y}). The claim can still be filed; "
                    "it needs a supervisor's approval.")
        return f"In warranty until {self.warranty.last_day:%d %b %Y}."


def check_eligibility(
    *, purchased_on: date, warranty_months: int, today: date, open_claim_number: str | None, returned: bool = False
) -> EligibilityCheck:
    """Returned, duplicate of an open claim, in warranty, or expired: decided by the desk, not an agent's arithmetic."""
    warranty = warranty_status(purchased_on, warranty_months, on=today)
    if returned:
        return EligibilityCheck(Eligibility.RETURNED, warranty)
    if open_claim_number:
        return EligibilityCheck(Eligibility.DUPLICATE, warranty, open_claim_number)
    if warranty.in_warranty:
        return EligibilityCheck(Eligibility.IN_WARRANTY, warranty)
    return EligibilityCheck(Eligibility.EXPIRED, warranty)


_FAULTS: dict[str, tuple[str, ...]] = {
    "Refrigerator": ("Not cooling", "Compressor noise", "Water leaking", "Door or gasket", "Ice build-up"),
    "Washing machine": ("Drum not spinning", "Not draining", "Water leaking", "Error code on display", "Door lock"),
    "Air conditioner": ("Not cooling", "Gas leak", "Water dripping indoors", "Noise or vibration", "Remote or display"),
    "Television": ("No picture", "No sound", "Lines or dead pixels", "Does not power on", "Remote or apps"),
    "Microwave": ("Not heating", "Turntable not rotating", "Sparking inside", "Keypad or display"),
    "Water purifier": ("Not purifying or bad taste", "Water leaking", "Low flow", "Filter or UV alert"),
    "Mixer grinder": ("Motor not running", "Jar leaking", "Burning smell", "Blade or coupler broken"),
    "Laptop": ("Does not boot", "Battery not charging", "Screen fault", "Keyboard or touchpad", "Overheating"),
    "Smartphone": ("Battery drains fast", "Not charging", "Screen or touch fault", "Camera fault", "Network problems"),
    "Geyser": ("Not heating", "Water leaking", "Tripping the power", "Thermostat fault"),
    "Ceiling fan": ("Not running", "Slow speed", "Noise or wobble", "Regulator or remote"),
    "Air cooler": ("Not cooling", "Pump not working", "Water leaking", "Fan noise"),
    "Kitchen chimney": ("Weak suction", "Motor noise", "Oil leaking", "Controls not working"),
    "Soundbar": ("No sound", "Bluetooth or HDMI fault", "Distorted sound", "Does not power on"),
    "Induction cooktop": ("Not heating", "Error code on display", "Fan noise", "Buttons not working"),
    "Dishwasher": ("Not cleaning", "Not draining", "Water leaking", "Error code on display"),
}
_ALWAYS = ("Arrived damaged", "Other")


def fault_categories(product_category: str) -> tuple[str, ...]:
    """The fault categories offered for a product category (with 'Arrived damaged' and 'Other' always)."""
    return _FAULTS.get(product_category, ("Does not work", "Physical damage")) + _ALWAYS
