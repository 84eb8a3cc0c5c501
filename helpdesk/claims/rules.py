"""Claim rules as pure functions: eligibility at filing, the status machine, and fault categories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from helpdesk.claims.models import ClaimStatus, Eligibility
from helpdesk.i18n.text import N_, Translatable
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
            return Translatable("This item already has an open claim, {number}: add to it instead.",
                                number=self.open_claim_number)
        if self.eligibility == Eligibility.EXPIRED:
            return Translatable("Out of warranty (expired on {day}). The claim can still be filed; "
                                "it needs a supervisor's approval.", day=self.warranty.expired_on)
        return Translatable("In warranty until {day}.", day=self.warranty.last_day)


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


# Marked for the catalogue: the public page offers them in Hindi too (the value sent and stored stays English).
_FAULTS: dict[str, tuple[str, ...]] = {
    "Refrigerator": (N_("Not cooling"), N_("Compressor noise"), N_("Water leaking"), N_("Door or gasket"),
                     N_("Ice build-up")),
    "Washing machine": (N_("Drum not spinning"), N_("Not draining"), N_("Water leaking"),
                        N_("Error code on display"), N_("Door lock")),
    "Air conditioner": (N_("Not cooling"), N_("Gas leak"), N_("Water dripping indoors"), N_("Noise or vibration"),
                        N_("Remote or display")),
    "Television": (N_("No picture"), N_("No sound"), N_("Lines or dead pixels"), N_("Does not power on"),
                   N_("Remote or apps")),
    "Microwave": (N_("Not heating"), N_("Turntable not rotating"), N_("Sparking inside"), N_("Keypad or display")),
    "Water purifier": (N_("Not purifying or bad taste"), N_("Water leaking"), N_("Low flow"),
                       N_("Filter or UV alert")),
    "Mixer grinder": (N_("Motor not running"), N_("Jar leaking"), N_("Burning smell"), N_("Blade or coupler broken")),
    "Laptop": (N_("Does not boot"), N_("Battery not charging"), N_("Screen fault"), N_("Keyboard or touchpad"),
               N_("Overheating")),
    "Smartphone": (N_("Battery drains fast"), N_("Not charging"), N_("Screen or touch fault"), N_("Camera fault"),
                   N_("Network problems")),
    "Geyser": (N_("Not heating"), N_("Water leaking"), N_("Tripping the power"), N_("Thermostat fault")),
    "Ceiling fan": (N_("Not running"), N_("Slow speed"), N_("Noise or wobble"), N_("Regulator or remote")),
    "Air cooler": (N_("Not cooling"), N_("Pump not working"), N_("Water leaking"), N_("Fan noise")),
    "Kitchen chimney": (N_("Weak suction"), N_("Motor noise"), N_("Oil leaking"), N_("Controls not working")),
    "Soundbar": (N_("No sound"), N_("Bluetooth or HDMI fault"), N_("Distorted sound"), N_("Does not power on")),
    "Induction cooktop": (N_("Not heating"), N_("Error code on display"), N_("Fan noise"), N_("Buttons not working")),
    "Dishwasher": (N_("Not cleaning"), N_("Not draining"), N_("Water leaking"), N_("Error code on display")),
}
_ALWAYS = (N_("Arrived damaged"), N_("Other"))


def fault_categories(product_category: str) -> tuple[str, ...]:
    """The fault categories offered for a product category (with 'Arrived damaged' and 'Other' always)."""
    return _FAULTS.get(product_category, (N_("Does not work"), N_("Physical damage"))) + _ALWAYS
