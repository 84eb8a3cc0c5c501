"""Supervisors' pages: the duplicates queue (merge or dismiss), the compare-and-merge page, and undoing a merge."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from helpdesk.auth.guards import supervisors_only
from helpdesk.customers import duplicates, merge as merging, merge_queries
from helpdesk.customers.errors import MergeRefused
from helpdesk.web_helpers import DB, Cursor, FormData, RowIdPath, actor_of, form_status, render, wants_partial

TypedId = Annotated[str, QueryParameter(required=False, max_length=40, description="a customer ID")]


class MergeController(Controller):
    guards = [supervisors_only]
    path = "/customers"

    @get("/duplicates", sync_to_thread=True)
    def queue(self, request: Request, db: DB, cursor: Cursor = None) -> Template:
        """Pairs that may be one person, oldest first, and the latest merges (each can be undone from its page)."""
        with db.read() as session:
            page = duplicates.open_candidates(session, cursor=cursor)
            merges = merge_queries.recent_merges(session) if not cursor else []
        return render(request, page="customers/duplicates_page.html", partial="customers/_duplicate_rows.html",
                      context={"candidates": page, "merges": merges})

    @post("/duplicates/{candidate_id:int}/dismiss", sync_to_thread=True, status_code=200)
    def dismiss(self, request: Request, db: DB, candidate_id: RowIdPath) -> Template | Redirect:
        """Not the same person: the pair leaves the queue."""
        with db.write() as session:
            duplicates.dismiss(session, candidate_id, agent_id=request.user.id)
        if not wants_partial(request):
            return Redirect("/customers/duplicates", status_code=303)
        return Template(template_name="customers/_dismissed.html", context={"candidate_id": candidate_id})

    @get("/merge", sync_to_thread=True)
    def compare(self, request: Request, db: DB, first: TypedId = "", second: TypedId = "") -> Template:
        """Two customers side by side: choose the survivor and, where they differ, which details to keep."""
        return _compare_page(request, db, first, second, form={})

    @post("/merge", sync_to_thread=True, status_code=200)
    def merge(self, request: Request, db: DB, data: FormData) -> Template | Redirect | ClientRedirect:
        """Merge the other customer into the chosen survivor, then show the merge (with its undo)."""
        form = {key: value for key, value in data.items() if isinstance(value, str)}
        pair = merge_queries.typed_ids(form.get("first", ""), form.get("second", ""))
        survivor = form.get("survivor", "")
        if pair is None or survivor not in pair:
            return _compare_page(request, db, form.get("first", ""), form.get("second", ""), form=form,
                                 errors={"form": "Choose which of the two customers stays."}, status_code=400)
        merged = pair[1] if survivor == pair[0] else pair[0]
        # Each choice names the customer whose value stays; the service speaks of survivor and merged.
        choices = {field: merging.SURVIVOR if form.get(f"keep_{field}", survivor) == survivor else merging.MERGED
                   for field in merging.CHOICE_FIELDS}
        with db.write() as session:
            try:
                outcome = merging.merge_customers(session, survivor_code=survivor, merged_code=merged, choices=choices,
                                                  actor=actor_of(request))
            except MergeRefused as exc:
                session.rollback()
                return _compare_page(request, db, pair[0], pair[1], form=form, errors=exc.errors, status_code=409)
        target = f"/customers/merges/{outcome.merge.id}"
        return ClientRedirect(target) if wants_partial(request) else Redirect(target, status_code=303)

    @get("/merges/{merge_id:int}", sync_to_thread=True)
    def merge_page(self, request: Request, db: DB, merge_id: RowIdPath) -> Template:
        """What a merge moved, and undo while it can be undone."""
        return _merge_page(request, db, merge_id)

    @post("/merges/{merge_id:int}/undo", sync_to_thread=True, status_code=200)
    def undo(self, request: Request, db: DB, merge_id: RowIdPath) -> Template:
        """Restore both customers exactly; or say why not."""
        with db.write() as session:
            try:
                merging.undo_merge(session, merge_id=merge_id, actor=actor_of(request))
            except MergeRefused as exc:
                session.rollback()
                return _merge_page(request, db, merge_id, errors=exc.errors, status_code=409)
        return _merge_page(request, db, merge_id, notice="The merge was undone: both customers are as they were.")


def _compare_page(request: Request, db: DB, first: str, second: str, *, form: dict, errors: dict | None = None,
                  status_code: int = 200) -> Template:
    pair = merge_queries.typed_ids(first, second)
    comparison = None
    if pair is None:
        errors = errors or ({"form": "Give two valid customer IDs to compare."} if first or second else {})
    elif pair[0] == pair[1]:
        errors = {"form": "A customer cannot be merged with themselves: choose two different customers."}
    else:
        with db.read() as session:
            comparison = merge_queries.compare(session, *pair)
    context = {"comparison": comparison, "form": form, "errors": errors or {}, "first": first, "second": second}
    if errors and status_code == 200 and (first or second):
        status_code = 400
    return render(request, page="customers/merge_page.html", partial="customers/_merge_form.html", context=context,
                  status_code=form_status(request, status_code))


def _merge_page(request: Request, db: DB, merge_id: int, *, errors: dict | None = None, notice: str | None = None,
                status_code: int = 200) -> Template:
    with db.read() as session:
        view = merge_queries.merge_view(session, merge_id)
    return render(request, page="customers/merge_done_page.html", partial="customers/_merge_result.html",
                  context={"merge": view, "errors": errors or {}, "notice": notice},
                  status_code=form_status(request, status_code))
