"""Demo certificates for `acquis demo`: one per decided demo dossier, one corrected, one revoked."""

from datetime import date

from sqlmodel import Session, select

from acquis.auth.models import User
from acquis.config import Settings
from certificates import issuing, keystore, public_documents, service
from certificates.models import Certificate

DEMO_REVOKE_REASON = "erreur de saisie (démonstration)"
DEMO_CORRECT_REASON = "orthographe du nom vérifiée (démonstration)"
# A certificate issued in error to a fictitious holder, revoked at once: it shows employers a revoked seal.
REVOKED_REF = "demo/issued-in-error"
REVOKED_HOLDER = ("Modibo Sissoko (démonstration)", date(1979, 4, 2))


def seed_demo(session: Session, settings: Settings) -> list[Certificate]:
    """Once: the full and partial decisions certified and valid, the partial one's first issue superseded
    by a correction, and a revoked certificate; a rerun changes nothing."""
    registrar = session.exec(select(User).where(User.login == "registrar")).first()
    waiting = issuing.pending(session)
    if registrar is None or not waiting or session.exec(select(Certificate.id)).first() is not None:
        # A demo database from before stored documents: its lists are signed once (nothing if current).
        if keystore.active_keys(session):
            public_documents.refresh_public_documents(session, settings)
        return []
    if not keystore.active_keys(session):
        keystore.generate(session, settings=settings)
    issued = issuing.issue_for_decisions(session, [p.decision_id for p in waiting], by=registrar, settings=settings)
    by_outcome = {cert.decision.value: cert for cert in issued}
    made = list(issued)
    if "partial" in by_outcome:
        old = by_outcome["partial"]
        again = issuing.request_for(session, int(old.decision_ref), settings=settings)
        made.append(service.correct(session, old.number, again, reason=DEMO_CORRECT_REASON, by=registrar,
                                    settings=settings))
    if "full" in by_outcome:
        full = issuing.request_for(session, int(by_outcome["full"].decision_ref), settings=settings)
        name, birth_date = REVOKED_HOLDER
        in_error = full.model_copy(update={"decision_ref": REVOKED_REF, "holder_name": name,
                                           "birth_date": birth_date, "holder_user_id": None})
        revoked = service.issue(session, in_error, by=registrar, settings=settings)
        made.append(service.revoke(session, revoked.number, reason=DEMO_REVOKE_REASON, by=registrar,
                                   settings=settings, public_reason=True))
    return made
