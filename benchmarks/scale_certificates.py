"""The bench world's jury votes and decisions, validated units, gap plans, and sealed certificates.

Certificates carry real seals, signed with the issuer key through certificates/seal.py (0.1 ms
each), and their full Open Badges credential; only the first SIGNED_CREDENTIALS (100) credentials carry
a proof: an eddsa-rdfc-2022 proof costs 14 ms (RDF canonicalisation), 100,000 of them 23 minutes.
The others are the same document without its proof, and without indentation (4.5 kB instead of
6.8). No PDFs are rendered: none of the measured pages reads one.
"""

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from acquis.auth.models import Role
from assessors import gaps
from assessors.rules import Outcome
from benchmarks.scale_rows import Context, Row, birth_date_of, names_of
from benchmarks.scale_world import Plan
from certificates import credential, keystore, revocation, seal, status_list
from certificates.models import Certificate, CertificateStatus, Decision, IssuerKey
from validation.dossiers.status import DossierStatus
from validation.frameworks.models import FrameworkUnit

SIGNED_CREDENTIALS = 100
REVOKE_REASON = "Pièces d'identité falsifiées (banc d'essai)"
PER_STATUS_LIST = status_list.MIN_ENTRIES // 2  # revocation.allocate starts a new list once one is half used


def jury_votes(plans: list[Plan], ctx: Context, ids: Iterator[int]) -> Iterator[Row]:
    """Each member's vote per unit (the president alone so far, on dossiers still at the jury)."""
    for one in plans:
        if not one.reached(DossierStatus.JURY):
            continue
        voters = one.jury if one.reached(DossierStatus.DECIDED) else one.jury[:1]
        for user in voters:
            for unit in one.units:
                yield {"id": next(ids), "dossier_id": one.dossier_id, "round": 1, "user_id": user, "unit_id": unit.id,
                       "validate_unit": one.competent(unit), "at": one.moment(DossierStatus.JURY) + timedelta(days=1)}


def _unit_rows(one: Plan, ctx: Context) -> list[dict[str, Any]]:
    rows = []
    for unit in one.units:
        found = ctx.trace(one, unit)
        votes = 2 if found.competent else 0
        rows.append({"unit_id": unit.id, "code": unit.code, "title_fr": unit.title_fr, "title_en": unit.title_en,
                     "competent": found.competent, "carried": False, "trace": found.trace, "moderation": [],
                     "evidence_kinds": ["photo_of_work"], "methods": ["direct_observation"],
                     "validated": found.competent, "votes_for": votes, "votes_against": 2 - votes, "casting": False})
    return rows


def decisions(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    for one in plans:
        decided = one.at(DossierStatus.DECIDED)
        if decided is None:
            continue
        declared = (one.moment(DossierStatus.JURY) + timedelta(hours=5)).isoformat()
        members = [{"user_id": user, "name": ctx.names[user], "role": Role.ASSESSOR.value,
                    "president": user == one.jury[0], "accredited": True, "declared_at": declared}
                   for user in one.jury]
        yield {"id": ctx.id("jury_decision", one), "dossier_id": one.dossier_id, "round": 1, "outcome": one.outcome,
               "decided_on": decided.date(), "decided_at": decided, "reasons": "Délibération du jury sur pièces et "
               "observation.", "president_id": one.jury[0], "members": members, "units": _unit_rows(one, ctx)}


def validated_units(plans: list[Plan], ctx: Context, ids: Iterator[int]) -> Iterator[Row]:
    for one in plans:
        decided = one.at(DossierStatus.DECIDED)
        if decided is not None:
            for unit in one.units:
                if one.competent(unit):
                    yield {"id": next(ids), "candidate_id": one.candidate_id,
                           "framework_code": one.trade.framework.code, "unit_code": unit.code, "unit_id": unit.id,
                           "decision_id": ctx.id("jury_decision", one), "validated_on": decided.date()}


def gap_plans(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    for one in plans:
        if one.reached(DossierStatus.DECIDED) and one.outcome != Outcome.FULL:
            missing: list[tuple[FrameworkUnit, dict[str, Any] | None, bool]] = [
                (unit, dict(ctx.trace(one, unit).trace), False) for unit in one.units if not one.competent(unit)]
            yield {"id": ctx.id("gap_plan", one), "dossier_id": one.dossier_id,
                   "decision_id": ctx.id("jury_decision", one), "items": gaps.build(missing),
                   "created_at": one.at(DossierStatus.DECIDED)}


# --- certificates ------------------------------------------------------------------------------


@dataclass
class Signer:
    """The issuer key, and the status-list slots certificates take in turn (random, half of each list)."""

    key: IssuerKey
    private: Ed25519PrivateKey
    first_list: int
    rng: random.Random
    issued: int = 0
    _free: list[int] | None = None

    def slot(self) -> tuple[int, int]:
        if not self._free:
            self._free = self.rng.sample(range(status_list.MIN_ENTRIES), PER_STATUS_LIST)
        list_id = self.first_list + self.issued // PER_STATUS_LIST
        self.issued += 1
        return list_id, self._free.pop()


def status_lists(count: int, first: int, now: datetime) -> Iterator[Row]:
    for offset in range((count + PER_STATUS_LIST - 1) // PER_STATUS_LIST):
        yield {"id": first + offset, "purpose": "revocation", "size": status_list.MIN_ENTRIES, "created_at": now,
               "updated_at": now}


def certificates(plans: list[Plan], ctx: Context, signer: Signer) -> Iterator[Row]:
    """The first issue of each certified dossier, then its correction; revoked ones last in their line."""
    for one in plans:
        previous: Row | None = None
        for correction, number in enumerate(one.numbers):
            row = _certificate(one, ctx, signer, number=number, correction=correction, supersedes=previous)
            if previous is not None:
                previous.update(status=CertificateStatus.SUPERSEDED, superseded_at=row["issued_at"])
                yield previous
            previous = row
        if previous is not None:
            if one.revoked:
                previous.update(status=CertificateStatus.REVOKED, revoked_by_id=ctx.staff.registrar,
                                revoked_at=previous["issued_at"] + timedelta(days=40), revocation_reason=REVOKE_REASON)
            yield previous


class _Fields(SimpleNamespace):
    """A certificate's fields, read as credential.build reads them: a table model takes 0.3 ms to
    construct (30 s for 100,000), this 2 µs."""

    validated_indices = Certificate.validated_indices
    validated_units = Certificate.validated_units


def _certificate(one: Plan, ctx: Context, signer: Signer, *, number: str, correction: int,
                 supersedes: Row | None) -> Row:
    settings, framework = ctx.settings, one.trade.framework
    family, given = names_of(one)
    issued_at = (one.moment(DossierStatus.CERTIFIED) + timedelta(days=45 * correction)).replace(microsecond=0)
    chosen = {unit.id for unit in one.units if one.competent(unit)}
    list_id, index = signer.slot()
    row: Row = {
        "id": ctx.first["certificate"] + signer.issued - 1, "number": number,
        "decision_ref": str(ctx.id("jury_decision", one)), "correction": correction,
        "status": CertificateStatus.ISSUED, "holder_user_id": one.user_id, "holder_name": f"{given} {family.upper()}",
        "birth_date": birth_date_of(one), "framework_id": framework.id, "framework_code": framework.code,
        "framework_version": framework.version, "qualification_title_fr": framework.title_fr,
        "qualification_title_en": framework.title_en, "isco08": framework.isco08,
        "units": [{"code": u.code, "title_fr": u.title_fr, "title_en": u.title_en, "validated": u.id in chosen}
                  for u in one.trade.units],
        "decision": Decision(str(one.outcome)),
        "decision_date": one.moment(DossierStatus.DECIDED).date(),
        "issued_on": issued_at.date(), "issued_at": issued_at, "evidence_kinds": ["photo_of_work"],
        "assessment_methods": ["direct_observation"], "kid": signer.key.kid, "status_list_id": list_id,
        "status_index": index, "supersedes_id": supersedes["id"] if supersedes else None,
        "issued_by_id": ctx.staff.registrar, "pdf_sha256": "", "pdf_size": 0,
    }
    cert = cast(Certificate, _Fields(**row, expires_on=None))
    claims = seal.Claims(number=number, holder_name=cert.holder_name, birth_date=cert.birth_date,
                         framework_code=cert.framework_code, framework_version=cert.framework_version,
                         units=cert.validated_indices(), decision=cert.decision.value,
                         issued_on=cert.issued_on, expires_on=None, issuer_code=settings.issuer_code)
    row["seal"] = seal.sign(claims, signer.private)
    row["qr_text"] = seal.qr_text(settings.public_url, row["seal"])
    document = credential.build(cert, public_url=settings.public_url,
                                issuer_names=(settings.issuer_name_fr, settings.issuer_name_en),
                                status_url=revocation.status_url(settings, list_id))
    if signer.issued <= SIGNED_CREDENTIALS:
        document = credential.sign(document, signer.private, created=issued_at,
                                   verification_method=keystore.method_id(settings, signer.key.kid))
        row["credential"] = credential.dumps(document)
    else:  # without indentation json uses its C encoder: ten times faster, a third smaller
        row["credential"] = json.dumps(document, ensure_ascii=False)
    return row
