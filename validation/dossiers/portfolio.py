"""The portfolio: what evidence each unit still wants, and the frozen, hashed snapshot at submission."""

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import User
from acquis.db import utcnow
from acquis.errors import AcquisError, Conflict
from acquis.i18n import N_
from validation.dossiers import access, consents, evidence, service, status
from validation.dossiers.models import (
    ASSESSMENT_KINDS,
    ConsentPurpose,
    Dossier,
    EvidenceKind,
    PortfolioSnapshot,
)
from validation.dossiers.status import DossierStatus
from validation.frameworks.models import FrameworkCriterion, FrameworkUnit

MANIFEST_FORMAT = "acquis-portfolio-1"
# Kinds the candidate does not bring: produced by assessors, or an interview held with them.
AT_ASSESSMENT = frozenset({*ASSESSMENT_KINDS, EvidenceKind.INTERVIEW})


class PortfolioEmpty(Conflict):
    """A portfolio is submitted with at least one piece of evidence."""

    code = "portfolio-empty"
    default_message = N_("Ajoutez au moins une preuve avant de déposer le portfolio.")


@dataclass(frozen=True)
class UnitNeeds:
    """For one unit: the evidence kinds it asks for, those already given, and those still wanted."""

    unit: FrameworkUnit
    given: list[str]
    wanted: list[str]  # documents the candidate can still bring
    at_assessment: list[str]  # observation, practical task, tests: done during the assessment

    @property
    def items(self) -> int:
        return len(self.given)


def needs(session: Session, dossier: Dossier, *, held: Collection[int] = ()) -> list[UnitNeeds]:
    """Per chosen unit, what is still wanted (kinds the framework requires, not yet linked to it); a unit the
    candidate already holds (`held`, validation/dossiers/held.py) wants nothing."""
    items = evidence.of_dossier(session, dossier.id)
    links = evidence.links_of(session, [item.id for item, _ in items])
    kinds_by_unit: dict[int, list[str]] = {}
    for item, _blob in items:
        for link in links[item.id]:
            kinds_by_unit.setdefault(link.unit_id, []).append(item.kind.value)
    result = []
    for unit in service.units(session, dossier.id):
        if unit.id in held:
            continue
        given = kinds_by_unit.get(unit.id, [])
        required = unit.required_evidence or []
        wanted = [kind for kind in required if kind not in given and kind not in AT_ASSESSMENT]
        later = [kind for kind in required if kind in AT_ASSESSMENT]
        result.append(UnitNeeds(unit, given, wanted, later))
    return result


def manifest(session: Session, dossier: Dossier) -> dict[str, Any]:
    """Every item's hash, kind and links, in a stable order: what the snapshot hash covers."""
    framework = service.framework_of(session, dossier)
    units = service.units(session, dossier.id)
    unit_codes = {unit.id: unit.code for unit in units}
    items = evidence.of_dossier(session, dossier.id)
    links = evidence.links_of(session, [item.id for item, _ in items])
    criterion_ids = [link.criterion_id for found in links.values() for link in found if link.criterion_id]
    criteria = {c.id: c.code for c in session.exec(select(FrameworkCriterion).where(
        col(FrameworkCriterion.id).in_(criterion_ids)))} if criterion_ids else {}
    return {
        "format": MANIFEST_FORMAT,
        "dossier": dossier.id,
        "framework": {"code": framework.code, "version": framework.version},
        "units": [unit.code for unit in units],
        "evidence": [{
            "id": item.id, "sha256": item.sha256, "size": blob.size, "media_type": blob.media_type,
            "kind": item.kind.value, "uploaded_at": item.uploaded_at.isoformat(),
            "units": sorted({unit_codes.get(link.unit_id, str(link.unit_id)) for link in links[item.id]}),
            "criteria": sorted({criteria[link.criterion_id] for link in links[item.id]
                                if link.criterion_id in criteria}),
        } for item, blob in items],
    }


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes the hash is taken over: sorted keys, no spaces, UTF-8 (anyone can recompute it)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def refusal_to_submit(session: Session, dossier: Dossier, *, user: User) -> AcquisError | None:
    """Why `submit` refuses this user the freezing of this portfolio (None: it freezes it); the "submit the
    portfolio" buttons are shown only when there is none."""
    if found := status.refusal(dossier.status, DossierStatus.PORTFOLIO_SUBMITTED, user.role):
        return found
    if missing := consents.missing(session, dossier.candidate_id, ConsentPurpose.PROCESSING):
        return missing
    if not evidence.of_dossier(session, dossier.id):
        return PortfolioEmpty()
    return None


def can_submit(session: Session, dossier: Dossier, *, user: User) -> bool:
    return refusal_to_submit(session, dossier, user=user) is None


def submit(session: Session, dossier_id: int, *, by: User) -> PortfolioSnapshot:
    """Freeze the portfolio: the manifest is stored with its SHA-256; later uploads cannot change it."""
    dossier = access.get_dossier(session, dossier_id, user=by)
    if refusal := refusal_to_submit(session, dossier, user=by):
        raise refusal
    document = manifest(session, dossier)
    now = utcnow()
    document["submitted_at"] = now.isoformat()
    digest = hashlib.sha256(canonical(document)).hexdigest()
    service.transition(session, dossier, DossierStatus.PORTFOLIO_SUBMITTED, by=by,
                       detail={"manifest_sha256": digest}, now=now)
    snapshot = PortfolioSnapshot(dossier_id=dossier.id, created_at=now, created_by_id=by.id,
                                 manifest=document, manifest_sha256=digest)
    session.add(snapshot)
    session.flush()
    audit.record(session, actor=by, action="portfolio.frozen", entity_type="dossier", entity_id=dossier.id,
                 detail={"snapshot": snapshot.id, "manifest_sha256": digest, "items": len(document["evidence"])})
    return snapshot


def snapshots(session: Session, dossier_id: int) -> list[PortfolioSnapshot]:
    return list(session.exec(select(PortfolioSnapshot).where(PortfolioSnapshot.dossier_id == dossier_id)
                             .order_by(col(PortfolioSnapshot.id).desc())))


def get_snapshot(session: Session, snapshot_id: int, *, user: User) -> PortfolioSnapshot:
    snapshot = session.get(PortfolioSnapshot, snapshot_id)
    if snapshot is None:
        raise access.DossierNotFound()
    access.get_dossier(session, snapshot.dossier_id, user=user)
    return snapshot

