"""Demo certificates for `acquis demo`: the decided demo dossiers certified, one revoked, one corrected."""

from sqlalchemy import inspect
from sqlmodel import Session, select

from acquis.auth.models import User
from acquis.config import Settings
from certificates import decisions, keystore, service
from certificates.models import Certificate

DEMO_REVOKE_REASON = "erreur de saisie (démonstration)"
DEMO_CORRECT_REASON = "orthographe du nom vérifiée (démonstration)"


def seed_demo(session: Session, settings: Settings) -> list[Certificate]:
    """Certificates for the demo decisions, once: the full one later revoked, the partial one corrected
    (so its first issue is superseded and its correction stands)."""
    # Until the integrator writes the certificates' migration, a migrated database may lack the table.
    if not inspect(session.connection()).has_table(Certificate.__tablename__):
        return []
    registrar = session.exec(select(User).where(User.login == "registrar")).first()
    waiting = decisions.pending(session)
    if registrar is None or not waiting or session.exec(select(Certificate.id)).first() is not None:
        return []
    if not keystore.active_keys(session):
        keystore.generate(session, settings=settings)
    issued = decisions.issue_for_decisions(session, [p.decision_id for p in waiting], by=registrar, settings=settings)
    by_outcome = {cert.decision.value: cert for cert in issued}
    made = list(issued)
    if "full" in by_outcome:
        service.revoke(session, by_outcome["full"].number, reason=DEMO_REVOKE_REASON, by=registrar)
    if "partial" in by_outcome:
        old = by_outcome["partial"]
        again = decisions.request_for(session, int(old.decision_ref), settings=settings)
        made.append(service.correct(session, old.number, again, reason=DEMO_CORRECT_REASON, by=registrar,
                                    settings=settings))
    return made
