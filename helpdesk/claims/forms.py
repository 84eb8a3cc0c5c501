"""Reading claim forms (multipart, with photos) and claim list filters: shared by the agents' pages, the public page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from pydantic import ValidationError

from helpdesk.claims.models import ClaimCreate, ClaimStatus, Eligibility
from helpdesk.claims.photos import MAX_PHOTO_BYTES, Photo, PhotoRejected, check_photos
from helpdesk.claims.queries import ClaimFilters
from helpdesk.forms import field_errors


def uploaded_files(value: Any) -> list[tuple[str, bytes, int]]:
    """(name, content, real size) for each uploaded file in a form field that may hold one, several or none.

    Only a photo's allowed size plus one byte is read into memory; the size is measured on the spooled file, so
    the message about a 6 MB photo says 6 MB, not the 5 MB that was read of it.
    """
    values = value if isinstance(value, list) else [value] if value is not None else []
    files = []
    for item in values:
        if isinstance(item, UploadFile):
            item.file.seek(0, 2)
            size = item.file.tell()
            item.file.seek(0)
            files.append((item.filename or "", item.file.read(MAX_PHOTO_BYTES + 1), size))
    return files


def form_text(data: dict[str, Any], name: str) -> str:
    """A text field of a multipart form (which may arrive as a list)."""
    value = data.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


CLAIM_FIELDS = ("purchase_line_id", "fault_category", "description", "remedy", "preferred_contact_time", "idempotency_key")


@dataclass
class ClaimSubmission:
    """A submitted claim form, read and checked: what was typed, the photos, the input model, the problems."""

    form: dict[str, str]
    photos: list[Photo]
    claim: ClaimCreate | None
    errors: dict[str, str]


def read_claim_form(data: dict[str, Any], *, extra_fields: tuple[str, ...] = ()) -> ClaimSubmission:
    """Check every field and the photos at once, so the form comes back with all its messages together."""
    form = {name: form_text(data, name) for name in (*extra_fields, *CLAIM_FIELDS)}
    errors: dict[str, str] = {}
    try:
        photos = check_photos(uploaded_files(data.get("photos")))
    except PhotoRejected as exc:
        photos, errors["photos"] = [], exc.args[0]  # the message itself (a Translatable), not str(exc)
    try:
        claim = ClaimCreate.model_validate(form)
    except ValidationError as exc:
        claim, errors = None, {**field_errors(exc), **errors}
    return ClaimSubmission(form, photos, claim, errors)


def claim_filters(
    status: Annotated[ClaimStatus | None, QueryParameter(required=False)] = None,
    category: Annotated[str | None, QueryParameter(required=False, max_length=60)] = None,
    model: Annotated[str | None, QueryParameter(required=False, max_length=60)] = None,
    eligibility: Annotated[Eligibility | None, QueryParameter(required=False)] = None,
    older_than: Annotated[int | None, QueryParameter(required=False, ge=0, le=3650)] = None,
    page: Annotated[int, QueryParameter(required=False, ge=1, le=100_000)] = 1,
) -> ClaimFilters:
    """The claims list's filters from the query string (a dependency of the page and the API alike)."""
    return ClaimFilters(status=status, category=category or None, model=model or None, eligibility=eligibility,
                        older_than_days=older_than or None, page=page)


ClaimListFilters = NamedDependency[ClaimFilters]
"""Handler parameter type for the `filters` dependency (see CLAIM_FILTERS)."""

CLAIM_FILTERS = {"filters": Provide(claim_filters, sync_to_thread=False)}
