"""Issuing from jury decisions: the dossier's certificate panel, the bulk page, the holder's certificates."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis.auth.guard import RegistrarDep, UserDep
from acquis.auth.models import User
from acquis.config import Settings
from acquis.dates import day
from acquis.db import SessionDep
from acquis.deps import SettingsDep, StoreDep
from acquis.web import render
from assessors.labels import OUTCOME_LABELS
from certificates import issuing, reissue, service
from certificates.models import STATUS_LABELS
from validation.dossiers import access

router = APIRouter()

# One bulk POST issues at most this many: a request stays short, and the next press resumes.
BATCH = 25


def _panel(session: Session, dossier_id: int, *, user: User, settings: Settings) -> dict[str, Any]:
    dossier = access.get_dossier(session, dossier_id, user=user)
    shown = issuing.held_by(issuing.of_dossier(session, dossier_id), user)
    return {"dossier": dossier, "certificates": [service.summary(cert, settings=settings) for cert in shown],
            "can_issue": user.role in service.STAFF_ROLES and issuing.can_issue(session, dossier),
            "STATUS_LABELS": STATUS_LABELS, "reissued": _reissued(session, dossier_id)}


def _reissued(session: Session, dossier_id: int) -> list[dict[str, Any]]:
    """The dossier's certificates re-issued after a key compromise, to hand over to the holder (shown to whoever
    sees the dossier: the counsellor first). Numbers and dates only."""
    everything = issuing.of_dossier(session, dossier_id)
    return [{"old": old.number, "new": new.number, "on": new.issued_on.isoformat()}
            for old in everything if reissue.was_reissued(old)
            for new in everything if new.supersedes_id == old.id]


@router.get("/dossiers/{dossier_id}/certificate", name="show_dossier_certificate")
def show_dossier_certificate(request: Request, session: SessionDep, user: UserDep, settings: SettingsDep,
                             dossier_id: int) -> Response:
    """The certificate side of the staff dossier page (loaded into it by URL: validation imports nothing here)."""
    return render(request, "certificates/dossier_certificate.html", "certificates/_dossier_certificate.html",
                  **_panel(session, dossier_id, user=user, settings=settings))


@router.post("/dossiers/{dossier_id}/certificate", name="issue_dossier_certificate")
def issue_dossier_certificate(request: Request, session: SessionDep, user: RegistrarDep, settings: SettingsDep,
                              store: StoreDep, dossier_id: int) -> Response:
    issuing.issue_for_dossier(session, dossier_id, by=user, settings=settings, store=store)
    session.commit()
    return RedirectResponse(request.url_for("show_dossier", dossier_id=dossier_id), status_code=303)


@router.post("/certificates/reissue", name="reissue_certificates")
def reissue_certificates(request: Request, session: SessionDep, user: RegistrarDep, settings: SettingsDep,
                         store: StoreDep) -> Response:
    """Re-seal with the active key every certificate a compromised key sealed (marked by `acquis keys compromised`)."""
    reissue.reissue(session, kid=None, by=user, settings=settings, store=store)
    session.commit()
    return RedirectResponse(request.url_for("list_certificates"), status_code=303)


@router.get("/portal/dossiers/{dossier_id}/certificates", name="show_portal_certificates")
def show_portal_certificates(request: Request, session: SessionDep, user: UserDep, settings: SettingsDep,
                             dossier_id: int) -> Response:
    """The holder's certificates on their portal dossier page, with downloads and the share link."""
    return render(request, "certificates/portal_certificates.html", "certificates/_portal_certificates.html",
                  **_panel(session, dossier_id, user=user, settings=settings))


@router.get("/certificates/issue/pending", name="show_pending_certificates")
def show_pending_certificates(request: Request, session: SessionDep, user: RegistrarDep, settings: SettingsDep,
                              framework: str | None = None, issued: int | None = None,
                              total: int | None = None) -> Response:
    """Decided dossiers waiting for their certificate, with one button to issue them all; during a run,
    its progress (`issued` of `total`)."""
    waiting = issuing.pending(session, framework_code=framework or None, settings=settings)
    everything = issuing.pending(session) if framework else waiting
    return render(request, "certificates/pending.html", pending=waiting, framework=framework or "", issued=issued,
                  total=max(total or 0, (issued or 0) + len(waiting)), frameworks=sorted({p.framework_code for p in
                  everything}), batch=BATCH, OUTCOME_LABELS=OUTCOME_LABELS, day=day)


@router.post("/certificates/issue/pending", name="issue_pending_certificates")
def issue_pending_certificates(request: Request, session: SessionDep, user: RegistrarDep, settings: SettingsDep,
                               store: StoreDep,
                               framework: Annotated[str, Form(max_length=100)] = "",
                               done: Annotated[int, Form(ge=0, le=10**6)] = 0,
                               total: Annotated[int, Form(ge=0, le=10**6)] = 0) -> Response:
    """Issue the next batch; what is already issued is skipped, so pressing again resumes. `done` and
    `total` carry the run's progress from batch to batch."""
    pending = issuing.pending(session, framework_code=framework or None)
    total = max(total, done + len(pending))
    waiting = pending[:BATCH]
    issuing.issue_for_decisions(session, [p.decision_id for p in waiting], by=user, settings=settings, store=store)
    session.commit()
    target = request.url_for("show_pending_certificates").include_query_params(issued=done + len(waiting),
                                                                                 total=total)
    if framework:
        target = target.include_query_params(framework=framework)
    return RedirectResponse(target, status_code=303)


@router.get("/certificates/export/credentials.jsonl", name="export_credentials")
def export_credentials(session: SessionDep, user: RegistrarDep, framework: str | None = None) -> Response:
    """The standing certificates' signed credentials, one JSON document a line (JSON Lines)."""
    body = "".join(issuing.credentials_jsonl(session, framework_code=framework or None))
    # Only safe characters from the query string go into the header.
    code = "".join(c for c in framework or "" if c.isascii() and (c.isalnum() or c in "-_."))
    name = f"credentials-{code}.jsonl" if code else "credentials.jsonl"
    return Response(body.encode(), media_type="application/jsonl", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})
