"""Purpose-specific consent: recorded (paper scan, oral, clicked), withdrawn, and checked before use."""

from typing import BinaryIO

from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import Role, User
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import Conflict, Invalid
from acquis.i18n import N_, gettext
from acquis.storage import Store
from validation.dossiers import access, media
from validation.dossiers.inputs import ConsentCreate
from validation.dossiers.labels import CONSENT_LABELS
from validation.dossiers.models import Candidate, Consent, ConsentMethod, ConsentPurpose, Language

# The version of the consent texts shown to candidates (templates/validation/dossiers/_consent_texts.html).
TEXT_VERSION = "2026-1"


class ConsentMissing(Conflict):
    """Nothing is processed for a purpose without the candidate's consent to it."""

    code = "consent-missing"
    default_message = N_("Le candidat n'a pas donné son accord pour cela.")


class ConsentAlreadyGiven(Conflict):
    """A consent for this purpose is already in force."""

    code = "consent-already-given"
    default_message = N_("Cet accord est déjà donné.")


class ConsentMethodRefused(Invalid):
    """The method does not fit who records the consent (a candidate clicks; staff record paper or oral)."""

    code = "consent-method-refused"
    default_message = N_("Ce mode de recueil ne convient pas : le candidat clique lui-même ; le conseiller "
                         "enregistre un accord oral ou un formulaire papier scanné.")


class ScanMissing(Invalid):
    """A paper consent is recorded with the scan of the signed form."""

    code = "scan-missing"
    default_message = N_("Joignez le scan du formulaire signé.")


class ConsentNotFound(access.CandidateNotFound):
    """No such consent for a candidate the caller may see."""


def store_scan(session: Session, file: BinaryIO, *, filename: str | None, store: Store, settings: Settings) -> str:
    """Keep the scan of a signed paper consent, checked like evidence, until the session's transaction ends
    without committing; returns its SHA-256."""
    media.examine(file, filename=filename, max_bytes=settings.evidence_max_bytes)
    return store.put(media.chunks(file), max_bytes=settings.evidence_max_bytes, session=session).sha256


def active(session: Session, candidate_id: int) -> dict[ConsentPurpose, Consent]:
    """The consents in force, by purpose."""
    rows = session.exec(select(Consent).where(Consent.candidate_id == candidate_id,
                                              col(Consent.withdrawn_at).is_(None)).order_by(col(Consent.id)))
    return {row.purpose: row for row in rows}


def history(session: Session, candidate_id: int) -> list[Consent]:
    return list(session.exec(select(Consent).where(Consent.candidate_id == candidate_id)
                             .order_by(col(Consent.given_at).desc(), col(Consent.id).desc())))


def has(session: Session, candidate_id: int, purpose: ConsentPurpose) -> bool:
    return purpose in active(session, candidate_id)


def missing(session: Session, candidate_id: int, purpose: ConsentPurpose) -> ConsentMissing | None:
    """The refusal to give unless the candidate's consent for `purpose` is in force (None when it is)."""
    if has(session, candidate_id, purpose):
        return None
    return ConsentMissing(gettext("Accord du candidat manquant : %(purpose)s.")
                          % {"purpose": gettext(CONSENT_LABELS[purpose])})


def require(session: Session, candidate_id: int, purpose: ConsentPurpose) -> None:
    """Refuse to go on unless the candidate's consent for `purpose` is in force."""
    if refusal := missing(session, candidate_id, purpose):
        raise refusal


def record(session: Session, candidate_id: int, data: ConsentCreate, *, by: User,
           scan_sha256: str | None = None) -> Consent:
    """A new consent. Candidates click for themselves; staff record an oral one or a signed paper's scan."""
    candidate = access.get_candidate(session, candidate_id, user=by)
    is_candidate = by.role == Role.CANDIDATE
    if is_candidate != (data.method == ConsentMethod.CLICKED):
        raise ConsentMethodRefused()
    if data.method == ConsentMethod.PAPER_SCAN and not scan_sha256:
        raise ScanMissing()
    if data.purpose in active(session, candidate_id):
        raise ConsentAlreadyGiven()
    consent = Consent(candidate_id=candidate_id, purpose=data.purpose, method=data.method, language=data.language,
                      text_version=TEXT_VERSION, scan_sha256=scan_sha256, recorded_by_id=by.id)
    session.add(consent)
    session.flush()
    audit.record(session, actor=by, action="consent.given", entity_type="candidate", entity_id=candidate.id,
                 detail={"consent": consent.id, "purpose": data.purpose.value, "method": data.method.value,
                         "text_version": TEXT_VERSION})
    return consent


def withdraw(session: Session, consent_id: int, *, by: User) -> Consent:
    """Withdraw a consent in force; what it allowed stops from now on."""
    consent = session.get(Consent, consent_id)
    if consent is None or consent.withdrawn_at is not None:
        raise ConsentNotFound()
    access.get_candidate(session, consent.candidate_id, user=by)
    consent.withdrawn_at, consent.withdrawn_by_id = utcnow(), by.id
    session.add(consent)
    audit.record(session, actor=by, action="consent.withdrawn", entity_type="candidate",
                 entity_id=consent.candidate_id, detail={"consent": consent.id, "purpose": consent.purpose.value})
    session.flush()
    return consent


def record_at_registration(session: Session, candidate: Candidate, *, purposes: list[ConsentPurpose],
                           language: Language) -> list[Consent]:
    """The consents a self-registering candidate ticked, as clicked by their new account."""
    user = session.get(User, candidate.user_id)
    assert user is not None
    return [record(session, candidate.id, ConsentCreate(purpose=purpose, method=ConsentMethod.CLICKED,
                                                        language=language), by=user) for purpose in purposes]
