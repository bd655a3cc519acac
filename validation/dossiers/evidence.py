"""Evidence: received once by content, linked to units or criteria, verified by staff."""

from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from acquis import audit, metrics
from acquis.auth.models import Role, User
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import AcquisError, Conflict, Forbidden, Invalid, NotFound
from acquis.i18n import N_
from acquis.storage import Store
from validation.dossiers import access, consents, media, service
from validation.dossiers.countries import is_country
from validation.dossiers.inputs import EvidenceCreate
from validation.dossiers.models import (
    ASSESSMENT_KINDS,
    ConsentPurpose,
    Dossier,
    DossierUnit,
    Evidence,
    EvidenceFile,
    EvidenceLink,
    Verification,
    WorkExperience,
)
from validation.dossiers.status import EVIDENCE_OPEN
from validation.frameworks.models import FrameworkCriterion


class EvidenceNotFound(NotFound):
    """No such evidence, or evidence of a dossier the caller may not see."""

    code = "not-found"


class PortfolioFrozen(Conflict):
    """Evidence cannot be added or changed in this state of the dossier."""

    code = "portfolio-frozen"
    default_message = N_("Le dossier n'accepte pas de nouvelles preuves dans son état actuel.")


class KindReserved(Invalid):
    """Observation, practical task and tests are recorded by assessors, not uploaded."""

    code = "kind-reserved"
    default_message = N_("Ce type de preuve est produit par les évaluateurs pendant l'évaluation.")


class LinkRefused(Invalid):
    """A linked unit, criterion or job is not part of this dossier."""

    code = "link-refused"
    default_message = N_("Le bloc, le critère ou l'expérience choisi ne fait pas partie de ce dossier.")


class StaffOnly(Forbidden):
    """Verification and summaries are staff work."""

    code = "staff-only"
    default_message = N_("Seul le personnel peut faire cela.")


class ContributorsOnly(Forbidden):
    """Assessors, moderators and jury members judge the evidence: they never add to it."""

    code = "contributors-only"
    default_message = N_("Seuls le candidat, son conseiller et l'organisme certificateur ajoutent des preuves.")


@dataclass(frozen=True)
class Received:
    evidence: Evidence
    file: EvidenceFile


def add(session: Session, dossier_id: int, data: EvidenceCreate, *, file: BinaryIO, filename: str | None,
        by: User, store: Store, settings: Settings) -> Received:
    """Check the upload by content, store it once (atomically, by SHA-256) and record the item.

    Everything is checked before a byte is written to the store: a refused upload leaves no file.
    The same bytes again are not stored again; the item says which earlier item it duplicates.
    """
    dossier = access.get_dossier(session, dossier_id, user=by)
    if refusal := refusal_to_add(session, dossier, user=by):
        raise refusal
    if data.kind in ASSESSMENT_KINDS:
        raise KindReserved()
    unit_ids, criterion_ids = _links(session, dossier, data)
    examined = media.examine(file, filename=filename, max_bytes=settings.evidence_max_bytes)
    # Tied to the transaction: a file whose item is never committed does not stay in the store.
    stored = store.put(media.chunks(file), max_bytes=settings.evidence_max_bytes, session=session)
    if stored.created:
        metrics.count_on_commit(session, metrics.EVIDENCE_BYTES, stored.size)
    blob = _file_row(session, stored.sha256, examined)
    # The duplicate named to the uploader is the candidate's own; a copy in another candidate's
    # dossier is only flagged, for the registrar to look into (it may be shared proof, or fraud).
    first = session.exec(select(Evidence).join(Dossier, col(Dossier.id) == Evidence.dossier_id).where(
        Evidence.sha256 == stored.sha256, Dossier.candidate_id == dossier.candidate_id)
        .order_by(col(Evidence.id))).first()
    elsewhere = session.exec(select(Evidence.id).join(Dossier, col(Dossier.id) == Evidence.dossier_id).where(
        Evidence.sha256 == stored.sha256, Dossier.candidate_id != dossier.candidate_id)).first() is not None
    fields = data.model_dump(exclude={"unit_ids", "criterion_ids"})
    if by.role == Role.CANDIDATE:
        fields["summary"] = None  # the summary of an oral narrative is the counsellor's
    item = Evidence(**fields, dossier_id=dossier_id, sha256=stored.sha256, original_name=examined.name,
                    duplicate_of_id=first.id if first else None, duplicate_elsewhere=elsewhere,
                    uploaded_by_id=by.id)
    session.add(item)
    session.flush()
    if elsewhere:  # the registrar sees every copy flagged, the first one included
        for other in session.exec(select(Evidence).where(Evidence.sha256 == stored.sha256,
                                                         col(Evidence.duplicate_elsewhere).is_(False))):
            other.duplicate_elsewhere = True
            session.add(other)
    session.add_all(_link_rows(session, item, unit_ids, criterion_ids))
    service.touch(session, dossier)
    audit.record(session, actor=by, action="evidence.added", entity_type="dossier", entity_id=dossier.id,
                 detail={"evidence": item.id, "sha256": stored.sha256, "kind": data.kind.value,
                         "duplicate_of": item.duplicate_of_id, "duplicate_elsewhere": elsewhere})
    session.flush()
    return Received(item, blob)


def _file_row(session: Session, sha256: str, examined: media.Examined) -> EvidenceFile:
    blob = session.get(EvidenceFile, sha256)
    if blob is not None:
        return blob
    blob = EvidenceFile(sha256=sha256, size=examined.size, media_type=examined.media_type)
    try:
        # A savepoint: two uploads of the same new bytes at once, the second one reuses the first row.
        with session.begin_nested():
            session.add(blob)
    except IntegrityError:
        found = session.get(EvidenceFile, sha256)
        assert found is not None
        return found
    return blob


def _links(session: Session, dossier: Dossier, data: EvidenceCreate) -> tuple[list[int], list[int]]:
    """The units and criteria claimed, checked against the dossier's own units."""
    chosen = set(session.exec(select(DossierUnit.unit_id).where(DossierUnit.dossier_id == dossier.id)))
    unit_ids = list(dict.fromkeys(data.unit_ids))
    criteria = list(session.exec(select(FrameworkCriterion).where(
        col(FrameworkCriterion.id).in_(data.criterion_ids)))) if data.criterion_ids else []
    if any(unit_id not in chosen for unit_id in unit_ids) or len(criteria) != len(set(data.criterion_ids)) or \
            any(criterion.unit_id not in chosen for criterion in criteria):
        raise LinkRefused()
    if data.work_experience_id is not None:
        job = session.get(WorkExperience, data.work_experience_id)
        if job is None or job.candidate_id != dossier.candidate_id:
            raise LinkRefused()
    if data.country is not None and not is_country(data.country):
        raise LinkRefused()
    return unit_ids, [criterion.id for criterion in criteria]


def _link_rows(session: Session, item: Evidence, unit_ids: list[int], criterion_ids: list[int]) -> list[EvidenceLink]:
    rows = [EvidenceLink(evidence_id=item.id, unit_id=unit_id) for unit_id in unit_ids]
    for criterion_id in criterion_ids:
        criterion = session.get(FrameworkCriterion, criterion_id)
        assert criterion is not None
        rows.append(EvidenceLink(evidence_id=item.id, unit_id=criterion.unit_id,
                                 criterion_id=criterion_id))
    return rows


def is_contributor(user: User) -> bool:
    """The candidate and the staff who build dossiers add evidence; an assessor who sees the dossier does not."""
    return user.role == Role.CANDIDATE or access.is_staff_for(user)


def refusal_to_add(session: Session, dossier: Dossier, *, user: User) -> AcquisError | None:
    """Why `add` refuses this user any item for this dossier (None: it takes one); the upload form and the
    "add evidence" buttons are shown only when there is none."""
    if not is_contributor(user):  # who may comes before when: the refusal says why, whatever the state
        return ContributorsOnly()
    if dossier.status not in EVIDENCE_OPEN:
        return PortfolioFrozen()
    return consents.missing(session, dossier.candidate_id, ConsentPurpose.PROCESSING)


def can_add(session: Session, dossier: Dossier, *, user: User) -> bool:
    return refusal_to_add(session, dossier, user=user) is None


def require_contributor(user: User) -> None:
    # Checked before the dossier's state: whatever the state, the refusal says why.
    if not is_contributor(user):
        raise ContributorsOnly()


def get(session: Session, evidence_id: int, *, user: User) -> tuple[Evidence, Dossier]:
    item = session.get(Evidence, evidence_id)
    if item is None:
        raise EvidenceNotFound()
    try:
        dossier = access.get_dossier(session, item.dossier_id, user=user)
    except NotFound:
        raise EvidenceNotFound() from None
    if not access.may_see_evidence(user, dossier):
        raise EvidenceNotFound()
    return item, dossier


def of_dossier(session: Session, dossier_id: int) -> list[tuple[Evidence, EvidenceFile]]:
    rows = session.exec(select(Evidence, EvidenceFile).join(EvidenceFile, col(EvidenceFile.sha256) == Evidence.sha256)
                        .where(Evidence.dossier_id == dossier_id).order_by(col(Evidence.id)))
    return [(item, blob) for item, blob in rows]


def links_of(session: Session, evidence_ids: list[int]) -> dict[int, list[EvidenceLink]]:
    found: dict[int, list[EvidenceLink]] = {evidence_id: [] for evidence_id in evidence_ids}
    if evidence_ids:
        for link in session.exec(select(EvidenceLink).where(col(EvidenceLink.evidence_id).in_(evidence_ids))
                                 .order_by(col(EvidenceLink.id))):
            found[link.evidence_id].append(link)
    return found


def set_verification(session: Session, evidence_id: int, *, verification: Verification, note: str | None,
                     by: User) -> Evidence:
    """Staff record what checking the item showed. Confirming with the issuer needs the contact consent."""
    item, dossier = get(session, evidence_id, user=by)
    if not access.is_staff_for(by):
        raise StaffOnly()
    if verification in (Verification.VERIFIED, Verification.UNVERIFIABLE):
        consents.require(session, dossier.candidate_id, ConsentPurpose.CONTACT_THIRD_PARTIES)
    item.verification, item.verification_note = verification, (note or "").strip() or None
    item.verified_by_id, item.verified_at = by.id, utcnow()
    session.add(item)
    audit.record(session, actor=by, action="evidence.verification", entity_type="dossier", entity_id=dossier.id,
                 detail={"evidence": item.id, "verification": verification.value})
    session.flush()
    return item


def set_summary(session: Session, evidence_id: int, *, summary: str, by: User) -> Evidence:
    """The counsellor's written summary of an oral narrative (or of any item), for assessors."""
    item, dossier = get(session, evidence_id, user=by)
    if not access.is_staff_for(by):
        raise StaffOnly()
    if dossier.status not in EVIDENCE_OPEN:
        raise PortfolioFrozen()
    item.summary = summary.strip() or None
    session.add(item)
    audit.record(session, actor=by, action="evidence.summary", entity_type="dossier", entity_id=dossier.id,
                 detail={"evidence": item.id})
    session.flush()
    return item


def duplicates_elsewhere(session: Session, *, user: User) -> list[Evidence]:
    """Items whose bytes are also in another candidate's dossier: for the registrar to look into."""
    if user.role not in access.SEE_ALL:
        return []
    return list(session.exec(select(Evidence).where(col(Evidence.duplicate_elsewhere).is_(True))
                             .order_by(col(Evidence.sha256), col(Evidence.id))))
