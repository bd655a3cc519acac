"""/f/<code>: a scanned or typed form code opens, for staff who may see the dossier, the step the paper belongs to."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis.auth.guard import UserDep
from acquis.auth.models import User
from acquis.db import SessionDep
from acquis.deps import app_settings
from acquis.web import route_path
from validation.dossiers import access, paper_codes
from validation.dossiers.models import EvidenceKind
from validation.dossiers.paper_codes import FormKind, PaperCode

router = APIRouter()


@router.get("/f/{form_code}", name="open_paper_code")
@router.get("/F/{form_code}", name="open_paper_code_upper", include_in_schema=False)
def open_paper_code(request: Request, session: SessionDep, user: UserDep, form_code: str) -> Response:
    """Where a printed form's QR leads (not logged in: the login page, then back here)."""
    row = paper_codes.find(session, form_code, user=user)
    name, params, suffix = _step(row, user=user, assesses=_assesses(session, row, user))
    # Root-relative, like every link of the pages: nothing of the URL comes from the Host header.
    root = request.scope.get("root_path", "").rstrip("/")
    return RedirectResponse(root + route_path(request, name, **params) + suffix, status_code=303)


@router.get("/f/", name="find_paper_code")
def find_paper_code(request: Request, session: SessionDep, user: UserDep, code: str = "") -> Response:
    """The same, for a code keyed in by hand (or by a barcode reader) in the "form code" box."""
    return open_paper_code(request, session, user, code[:200])


def _assesses(session: Session, row: PaperCode, user: User) -> bool:
    return row.dossier_id is not None and paper_codes.assesses(session, row.dossier_id, user=user)


Step = tuple[str, dict[str, int], str]


def _step(row: PaperCode, *, user: User, assesses: bool) -> Step:
    """The route of the paper's step for this user, its parameters and anchor or query; whoever cannot act on
    the step gets the dossier's page."""
    dossier = row.dossier_id
    if dossier is None:  # the login slip and the summary belong to the person
        return "show_candidate", {"candidate_id": row.candidate_id}, ""
    if row.kind == FormKind.CHECKLIST and assesses and row.target_id is not None:
        return "show_paper_form", {"dossier_id": dossier, "unit_id": row.target_id}, ""
    if row.kind == FormKind.CONVOCATION and assesses:
        return "show_assessment", {"dossier_id": dossier}, "#sessions"
    if row.kind in (FormKind.CHECKLIST, FormKind.CONVOCATION) and user.role in access.SEE_ALL:
        return "show_assignments", {"dossier_id": dossier}, ""
    if row.kind == FormKind.ATTESTATION and access.is_staff_for(user):
        return "new_evidence", {"dossier_id": dossier}, f"?kind={EvidenceKind.THIRD_PARTY_ATTESTATION.value}"
    return "show_dossier", {"dossier_id": dossier}, ""


def printed(request: Request, kind: FormKind, *, candidate_id: int, dossier_id: int | None = None,
            target_id: int | None = None, user: User | None) -> paper_codes.Printed:
    """The code and QR for the corner of a form this GET request prints (the same code each time it is printed)."""
    return paper_codes.printed(request.app.state.engine, public_url=app_settings(request).public_url, kind=kind,
                               candidate_id=candidate_id, dossier_id=dossier_id, target_id=target_id, by=user)


def shown(request: Request, row: PaperCode) -> paper_codes.Printed:
    """The code and QR of a form issued in this (POST) request's own transaction."""
    return paper_codes.shown(row.code, public_url=app_settings(request).public_url)
