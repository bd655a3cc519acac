"""The dossier JSON API of docs/contract.md: the caller's dossiers, and evidence in and out."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from acquis.auth.guard import UserDep
from acquis.auth.models import User
from acquis.db import SessionDep
from acquis.deps import SettingsDep, StoreDep
from acquis.errors import Invalid
from acquis.i18n import N_, gettext
from acquis.web import public_url
from validation.dossiers import access, evidence, service
from validation.dossiers.inputs import EvidenceCreate
from validation.dossiers.models import Evidence, EvidenceFile, EvidenceKind

router = APIRouter(prefix="/api/v1", tags=["dossiers"])

# What people and scripts also call the kinds (the everyday words of docs/architecture.md, "The process"),
# mapped to the kinds' codes.
KIND_ALIASES = {
    "photo": "photo_of_work", "picture": "photo_of_work", "image": "photo_of_work", "video": "video_of_work",
    "visa": "work_visa_or_iqama", "work_visa": "work_visa_or_iqama", "residence_permit": "work_visa_or_iqama",
    "iqama": "work_visa_or_iqama", "work_permit": "work_visa_or_iqama", "skills_test": "svp_certificate",
    "foreign_skills_test": "svp_certificate", "svp": "svp_certificate", "attestation": "employer_attestation",
    "payslips": "payslip", "pay_slip": "payslip", "training": "training_certificate",
    "certificate": "training_certificate", "third_party": "third_party_attestation",
    "audio": "oral_narrative", "narrative": "oral_narrative", "interview_record": "interview",
    "identity": "identity_document", "id": "identity_document",
}


class EvidenceOut(BaseModel):
    """An evidence item as the API shows it."""

    id: int
    sha256: str
    size: int
    media_type: str
    duplicate_of: int | None
    kind: str
    description: str
    original_name: str
    date_from: str | None
    date_to: str | None
    country: str | None
    issuer: str | None
    verification: str
    duplicate_elsewhere: bool | None  # null unless the caller is the registrar, who looks into them
    uploaded_at: str
    url: str


class DossierOut(BaseModel):
    id: int
    candidate_name: str
    framework_code: str
    status: str


class UploadInvalid(Invalid):
    """The multipart body lacks its file or has an unknown kind."""

    code = "upload-invalid"
    default_message = N_("Envoyez en multipart un fichier `file`, un type `kind` et une description `description`.")


@dataclass
class EvidenceUpload:
    file: UploadFile | None
    fields: dict[str, Any]


async def evidence_upload(request: Request) -> EvidenceUpload:
    """The multipart body (acquis.limits refused it before any of it was read if larger than the largest file
    allows; what passes is checked against that limit as it is stored)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UploadInvalid()
    form = await request.form(max_files=1, max_fields=50)
    upload = form.get("file")
    fields: dict[str, Any] = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    fields["unit_ids"] = [v for v in form.getlist("unit_ids") if isinstance(v, str)]
    fields["criterion_ids"] = [v for v in form.getlist("criterion_ids") if isinstance(v, str)]
    return EvidenceUpload(upload if isinstance(upload, UploadFile) else None, fields)


def kind_of(value: str) -> str:
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    return KIND_ALIASES.get(key, key)


OPENAPI_UPLOAD: dict[str, Any] = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "kind"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "JPEG, PNG, WebP, PDF, MP4, WebM, M4A, MP3, OGG or WAV, told by its bytes"},
        "kind": {"type": "string", "enum": [kind.value for kind in EvidenceKind]},
        "description": {"type": "string"},
        "date_from": {"type": "string", "format": "date"}, "date_to": {"type": "string", "format": "date"},
        "country": {"type": "string", "description": "ISO 3166-1 alpha-2"},
        "issuer": {"type": "string"}, "issuer_contact": {"type": "string"},
        "unit_ids": {"type": "array", "items": {"type": "integer"}},
        "criterion_ids": {"type": "array", "items": {"type": "integer"}}}}}}}}


@router.get("/dossiers", name="list_dossiers_api", response_model=list[DossierOut],
            summary="The dossiers the caller may see")
def list_dossiers_api(session: SessionDep, user: UserDep) -> list[DossierOut]:
    return [DossierOut(id=d.id, candidate_name=service.candidate_of(session, d).display_name,
                       framework_code=service.framework_of(session, d).code, status=d.status.value)
            for d in service.visible(session, user=user)]


@router.post("/dossiers/{dossier_id}/evidence", name="upload_evidence_api", status_code=201,
             response_model=EvidenceOut, openapi_extra=OPENAPI_UPLOAD,
             summary="Add a piece of evidence (multipart file, kind, description)")
def upload_evidence_api(request: Request, session: SessionDep, user: UserDep, settings: SettingsDep, store: StoreDep,
                        dossier_id: int,
                        upload: Annotated[EvidenceUpload, Depends(evidence_upload)]) -> JSONResponse:
    """201 with the item's SHA-256; `duplicate_of` names the earlier item with the same bytes."""
    try:
        service_dossier = access.get_dossier(session, dossier_id, user=user)
        if upload.file is None:
            raise UploadInvalid()
        try:
            data = EvidenceCreate.model_validate({**upload.fields, "kind": kind_of(upload.fields.get("kind", ""))})
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise UploadInvalid(gettext("Champ « %(field)s » : %(problem)s")
                                % {"field": where, "problem": first["msg"]}) from None
        received = evidence.add(session, service_dossier.id, data, file=upload.file.file,
                                filename=upload.file.filename, by=user, store=store,
                                settings=settings)
    finally:
        if upload.file is not None:
            upload.file.file.close()
    session.commit()
    return JSONResponse(item_out(request, received.evidence, received.file, user=user).model_dump(), status_code=201)


@router.get("/dossiers/{dossier_id}/evidence", name="list_evidence_api", response_model=list[EvidenceOut],
            summary="The dossier's evidence items")
def list_evidence_api(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> list[EvidenceOut]:
    dossier = access.get_dossier(session, dossier_id, user=user)
    if not access.may_see_evidence(user, dossier):
        raise access.DossierNotFound()
    return [item_out(request, item, blob, user=user)
            for item, blob in evidence.of_dossier(session, dossier.id)]


def item_out(request: Request, item: Evidence, blob: EvidenceFile, *, user: User) -> EvidenceOut:
    return EvidenceOut(
        id=item.id, sha256=item.sha256, size=blob.size, media_type=blob.media_type,
        duplicate_of=item.duplicate_of_id, kind=item.kind.value, description=item.description,
        original_name=item.original_name, date_from=_iso(item.date_from), date_to=_iso(item.date_to),
        country=item.country, issuer=item.issuer, verification=item.verification.value,
        duplicate_elsewhere=item.duplicate_elsewhere if user.role in access.SEE_ALL else None,
        uploaded_at=item.uploaded_at.isoformat(),
        url=public_url(request, "download_evidence", evidence_id=item.id))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None
