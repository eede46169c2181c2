"""`/public/…`: read-only pages and feeds, no sign-in (no `login_required` anywhere here)."""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from werkzeug.wsgi import wrap_file

from workflow_app.api.views import _content_disposition as content_disposition
from workflow_app.evidence.app_store import evidence_store
from workflow_app.extensions import db
from workflow_app.publication.feeds import atom_feed, json_feed
from workflow_app.publication.queries import (
    PublishedLevel,
    public_plan,
    publishable_evidence,
    published_levels,
)
from workflow_app.publication.queries import plans as all_plans

publication_bp = Blueprint("publication", __name__, url_prefix="/public")


def _entry_url_for(plan_id: int) -> Callable[[PublishedLevel], str]:
    page = url_for("publication.plan", plan_id=plan_id, _external=True)
    return lambda level: f"{page}#level-{level.submission_id}"


def _evidence_url(item_id: int) -> str:
    return url_for("publication.evidence", item_id=item_id, _external=True)


def _public(response: Response) -> Response:
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@publication_bp.get("/plans")
def plans() -> str:
    return render_template("publication/list.html", plans=all_plans(db.session))


@publication_bp.get("/plans/<id:plan_id>")
def plan(plan_id: int) -> str:
    found = public_plan(db.session, plan_id)
    if found is None:
        abort(404)
    plan, strategies = found
    return render_template("publication/plan.html", plan=plan, strategies=strategies)


def _plan_and_levels(plan_id: int):  # type: ignore[no-untyped-def]
    found = public_plan(db.session, plan_id)
    if found is None:
        abort(404)
    return found[0], published_levels(db.session, plan_id)


@publication_bp.get("/plans/<id:plan_id>/feed.atom")
def feed_atom(plan_id: int) -> Response:
    plan, levels = _plan_and_levels(plan_id)
    body = atom_feed(
        plan,
        levels,
        self_url=url_for("publication.feed_atom", plan_id=plan_id, _external=True),
        page_url=url_for("publication.plan", plan_id=plan_id, _external=True),
        entry_url=_entry_url_for(plan_id),
    )
    return _public(Response(body, content_type="application/atom+xml; charset=utf-8"))


@publication_bp.get("/plans/<id:plan_id>/feed.json")
def feed_json(plan_id: int) -> Response:
    plan, levels = _plan_and_levels(plan_id)
    document = json_feed(
        plan,
        levels,
        self_url=url_for("publication.feed_json", plan_id=plan_id, _external=True),
        page_url=url_for("publication.plan", plan_id=plan_id, _external=True),
        entry_url=_entry_url_for(plan_id),
        evidence_url=_evidence_url,
    )
    response = current_app.response_class(
        current_app.json.dumps(document), content_type="application/feed+json; charset=utf-8"
    )
    return _public(response)


@publication_bp.get("/evidence/<id:item_id>")
def evidence(item_id: int) -> Response:
    item = publishable_evidence(db.session, item_id)
    if item is None or item.kind != "file" or item.sha256 is None:
        abort(404)
    try:
        handle = evidence_store().open(item.sha256)
    except FileNotFoundError:
        current_app.logger.error("evidence file %s (item %s) is missing", item.sha256, item.id)
        abort(404)
    response = Response(
        wrap_file(request.environ, handle),
        mimetype=item.media_type or "application/octet-stream",
        direct_passthrough=True,
    )
    response.content_length = os.fstat(handle.fileno()).st_size
    response.set_etag(item.sha256)
    # Always a download, never rendered in this origin.
    response.headers["Content-Disposition"] = content_disposition(item.filename, item.id)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
