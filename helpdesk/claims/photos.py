"""Claim photos: checked by their content (not their name), kept in the database and streamed back in pieces."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from helpdesk.claims.models import ClaimPhotoContent
from helpdesk.db import Database
from helpdesk.i18n.text import Translatable

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# The largest claim form a server accepts: five photos of 5 MB and the form around them.
# Served in pieces of this size: a download never holds a whole photo in memory or a connection for its length.
CHUNK_BYTES = 256 * 1024
UPLOAD_LIMIT = MAX_PHOTOS * MAX_PHOTO_BYTES + 1024 * 1024
# What a form says when the whole upload was over that limit (the server stops reading it, so nothing was kept).
TOO_LARGE = Translatable("The photos together were more than {limit} MB, so nothing was sent. "
                         "Choose at most {photos} photos of up to {each} MB each, then file again.",
                         limit=UPLOAD_LIMIT // 1_048_576, photos=MAX_PHOTOS, each=MAX_PHOTO_BYTES // 1_048_576)
# The first bytes of the two formats we accept; a renamed .exe fails here whatever its name says.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


class PhotoRejected(ValueError):
    """An upload that is not an acceptable photo; the message says which file and why."""


@dataclass(frozen=True)
class Photo:
    """A checked photo, in memory until stored."""

    original_name: str
    content: bytes
    content_type: str
    extension: str


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) for JPEG or PNG content, else None."""
    for signature, content_type, extension in _SIGNATURES:
        if content.startswith(signature):
            return content_type, extension
    return None


def check_photos(files: list[tuple[str, bytes] | tuple[str, bytes, int]]) -> list[Photo]:
    """Check (name, content[, real size]) files: count, size, emptiness and real format; PhotoRejected on the first problem.

    The real size matters when `content` was cut short on reading: the message must state the file's own size.
    """
    files = [(file[0], file[1], file[2] if len(file) > 2 else len(file[1])) for file in files if file[0] or file[1]]
    if len(files) > MAX_PHOTOS:
        raise PhotoRejected(Translatable("At most {most} photos per claim; {chosen} were chosen.",
                                         most=MAX_PHOTOS, chosen=len(files)))
    photos = []
    for name, content, size in files:
        label = name or Translatable("A file")
        if not content:
            raise PhotoRejected(Translatable("{name} is empty.", name=label))
        if max(size, len(content)) > MAX_PHOTO_BYTES:
            raise PhotoRejected(Translatable("{name} is {size:.1f} MB; each photo can be at most {most} MB.",
                                             name=label, size=max(size, len(content)) / 1_048_576,
                                             most=MAX_PHOTO_BYTES // 1_048_576))
        kind = sniff(content)
        if kind is None:
            raise PhotoRejected(Translatable("{name} is not a JPEG or PNG photo.", name=label))
        photos.append(Photo(original_name=name, content=content, content_type=kind[0], extension=kind[1]))
    return photos


def new_stored_name(photo: Photo) -> str:
    """A generated name for a photo (its row's unique handle and the suffix it is served under); never the upload's."""
    return secrets.token_hex(16) + photo.extension


def read_chunks(db: Database, photo_id: int) -> Iterator[bytes]:
    """A stored photo's bytes in CHUNK_BYTES pieces, each read in its own short query.

    A response streams these instead of holding a 5 MB photo (or a connection) for the whole download.
    """
    offset = 0
    while True:
        with db.read() as session:
            chunk = session.execute(
                select(func.substr(ClaimPhotoContent.content, offset + 1, CHUNK_BYTES))
                .where(ClaimPhotoContent.photo_id == photo_id)
            ).scalar_one_or_none()
        if not chunk:
            return
        yield bytes(chunk)
        if len(chunk) < CHUNK_BYTES:
            return
        offset += len(chunk)


def legacy_photo_dir(data_dir: Path) -> Path:
    """Where photos were kept as files before migration m0018 moved them into the database."""
    return data_dir / "uploads" / "claims"
