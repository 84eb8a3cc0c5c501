"""Page or partial: the one place that decides what an HTMX request gets back."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template


def wants_partial(request: Request) -> bool:
    """A partial only for a plain HTMX swap: not for boosted navigation or a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(
    request: Request,
    *,
    page: str,
    partial: str | None,
    context: dict[str, Any],
    status_code: int = 200,
) -> Template:
    """Render the full page, or just its partial for HTMX; caches must key on HX-Request."""
    name = partial if partial and wants_partial(request) else page
    return Template(template_name=name, context=context, status_code=status_code, headers={"Vary": "HX-Request"})
