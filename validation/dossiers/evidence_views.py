"""Evidence pages: upload (with a progress bar), the item, its file and thumbnail, staff verification."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session

from acquis import forms
from acquis.auth.guard import UserDep
from acquis.auth.models import User
from acquis.db import SessionDep
from acquis.deps import SettingsDep, StoreDep, app_settings
from acquis.errors import AcquisError, Invalid
from acquis.forms import FormDep
from acquis.i18n import N_
from acquis.web import render, show_refusal
from validation.dossiers import access, evidence, media, pages, service, work_history
from validation.dossiers.inputs import EvidenceCreate
from validation.dossiers.models import EvidenceFile, Verification

router = APIRouter()

FORM_PAGE = "validation/dossiers/evidence_form.html"
ITEM_PAGE = "validation/dossiers/evidence.html"
# Served files are never run as a page: no scripts, no plugins, nothing loaded from elsewhere (inline
# styles only for the browser's own image and media viewer).
FILE_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"


class FileMissing(Invalid):
    """The upload form came without a file."""

    code = "file-missing"
    default_message = N_("Choisissez un fichier à envoyer.")


def form_context(request: Request, session: Session, dossier_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    dossier = access.get_dossier(session, dossier_id, user=user)
    evidence.require_contributor(user)  # no upload form for those who judge the evidence
    units = service.units(session, dossier_id)
    return pages.context(
        dossier=dossier, candidate=service.candidate_of(session, dossier), units=units,
        criteria=service.criteria_by_unit(session, [unit.id for unit in units]),
        jobs=work_history.timeline(session, dossier.candidate_id), is_staff=access.is_staff_for(user),
        accepts_evidence=evidence.can_add(session, dossier, user=user),
        max_mb=app_settings(request).evidence_max_bytes // (1024 * 1024), **extra)


@router.get("/dossiers/{dossier_id}/evidence/new", name="new_evidence")
def new_evidence(request: Request, session: SessionDep, user: UserDep, dossier_id: int, kind: str = "") -> Response:
    return render(request, FORM_PAGE, **form_context(request, session, dossier_id, user=user, form={"kind": kind}))


@router.post("/dossiers/{dossier_id}/evidence", name="upload_evidence")
def upload_evidence(request: Request, session: SessionDep, user: UserDep, settings: SettingsDep, store: StoreDep,
                    dossier_id: int, form: FormDep) -> Response:
    upload = forms.upload(form)
    try:
        data = forms.parse(EvidenceCreate, form)
        if upload is None or not upload.filename:
            raise FileMissing()
        received = evidence.add(session, dossier_id, data, file=upload.file, filename=upload.filename, by=user,
                                store=store, settings=settings)
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: render(
            request, FORM_PAGE, status_code=problem.status_code, **form_context(
                request, session, dossier_id, user=user, error=problem.message,
                form=forms.fields(form, allowed=set(EvidenceCreate.model_fields)))))
    finally:
        if upload is not None:
            upload.file.close()
    session.commit()
    return RedirectResponse(request.url_for("show_evidence", evidence_id=received.evidence.id)
                            .include_query_params(added=1), status_code=303)


@router.get("/evidence/{evidence_id}", name="show_evidence")
def show_evidence(request: Request, session: SessionDep, user: UserDep, evidence_id: int,
                  added: int = 0) -> Response:
    return render(request, ITEM_PAGE, **_item_context(session, evidence_id, user=user, added=bool(added)))


def _item_context(session: Session, evidence_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    item, dossier = evidence.get(session, evidence_id, user=user)
    blob = session.get(EvidenceFile, item.sha256)
    units = {unit.id: unit for unit in service.units(session, dossier.id)}
    links = evidence.links_of(session, [evidence_id])[evidence_id]
    criteria = service.criteria(session, [link.criterion_id for link in links if link.criterion_id])
    return pages.context(item=item, blob=blob, dossier=dossier, candidate=service.candidate_of(session, dossier),
                         units=units, links=links, criteria=criteria, is_staff=access.is_staff_for(user),
                         duplicate_visible=_visible(session, item.duplicate_of_id, user=user),
                         accepts_evidence=evidence.can_add(session, dossier, user=user), **extra)


def _item_page(request: Request, session: Session, evidence_id: int, *, user: User, problem: AcquisError) -> Response:
    return render(request, ITEM_PAGE, status_code=problem.status_code,
                  **_item_context(session, evidence_id, user=user, error=problem.message))


def _visible(session: Session, evidence_id: int | None, *, user: User) -> bool:
    if evidence_id is None:
        return False
    try:
        evidence.get(session, evidence_id, user=user)
    except AcquisError:
        return False
    return True


@router.get("/evidence/{evidence_id}/file", name="download_evidence")
def download_evidence(session: SessionDep, user: UserDep, store: StoreDep, evidence_id: int,
                      download: int = 0) -> Response:
    """The file, only through this check of who may see it; never from a static path."""
    item, _dossier = evidence.get(session, evidence_id, user=user)
    blob = session.get(EvidenceFile, item.sha256)
    path = store.path_for(item.sha256)
    if blob is None or not path.is_file():
        raise evidence.EvidenceNotFound()
    # A PDF opens in the browser's viewer, which a sandboxed page may not start: download it.
    attach = download or blob.media_type == "application/pdf"
    name = f"evidence-{item.id}.{media.EXTENSIONS[blob.media_type]}"
    return FileResponse(path, media_type=blob.media_type, headers={
        "Content-Disposition": f'{"attachment" if attach else "inline"}; filename="{name}"',
        "Cache-Control": "private, no-store", "Content-Security-Policy": FILE_CSP})


@router.get("/evidence/{evidence_id}/thumbnail", name="show_evidence_thumbnail")
def show_evidence_thumbnail(session: SessionDep, user: UserDep, store: StoreDep, evidence_id: int) -> Response:
    """A small JPEG of an image, for slow connections."""
    item, _dossier = evidence.get(session, evidence_id, user=user)
    blob = session.get(EvidenceFile, item.sha256)
    if blob is None or blob.media_type not in media.IMAGES:
        raise evidence.EvidenceNotFound()
    path = media.Thumbnails(store.root / "thumbnails", store).path(item.sha256)
    return FileResponse(path, media_type="image/jpeg", headers={
        "Cache-Control": "private, max-age=86400", "Content-Security-Policy": FILE_CSP})


@router.post("/evidence/{evidence_id}/verification", name="verify_evidence")
def verify_evidence(request: Request, session: SessionDep, user: UserDep, evidence_id: int,
                    verification: Annotated[str, Form(max_length=20)],
                    note: Annotated[str, Form(max_length=5000)] = "") -> Response:
    try:
        chosen = Verification(verification) if verification in Verification.__members__.values() else None
        if chosen is None:
            raise Invalid()
        evidence.set_verification(session, evidence_id, verification=chosen, note=note, by=user)
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: _item_page(request, session, evidence_id, user=user,
                                                                 problem=problem))
    session.commit()
    return RedirectResponse(request.url_for("show_evidence", evidence_id=evidence_id), status_code=303)


@router.post("/evidence/{evidence_id}/summary", name="summarise_evidence")
def summarise_evidence(request: Request, session: SessionDep, user: UserDep, evidence_id: int,
                       summary: Annotated[str, Form(max_length=5000)] = "") -> Response:
    try:
        evidence.set_summary(session, evidence_id, summary=summary, by=user)
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: _item_page(request, session, evidence_id, user=user,
                                                                 problem=problem))
    session.commit()
    return RedirectResponse(request.url_for("show_evidence", evidence_id=evidence_id), status_code=303)

