"""The rows of the bench world, table by table, for one chunk of dossier plans (benchmarks/scale_world.py).

Each function yields the dicts benchmarks/bulk.py writes: the same columns, values and JSON shapes the
app's own services write (unit results carry the trace of assessors/rules.py, gap plans come from
assessors/gaps.py, portfolio snapshots hash the manifest as validation/dossiers/portfolio.py does).
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from acquis.auth.models import Role
from acquis.config import Settings
from assessors import rules
from assessors.models import Declaration, Method, ModerationOutcome, Source
from assessors.rules import Verdict
from assessors.unit_results import DEFAULT_CURRENCY_YEARS
from benchmarks.scale_world import Plan, Staff
from validation.dossiers import identity, portfolio, search
from validation.dossiers.models import (
    AccessPurpose,
    ConsentMethod,
    ConsentPurpose,
    EvidenceKind,
    IdDocumentType,
    Language,
    Sex,
    Verification,
)
from validation.dossiers.status import DossierStatus
from validation.frameworks.models import FrameworkUnit

Row = dict[str, Any]
FAMILY = ("TRAORÉ", "KEÏTA", "COULIBALY", "DIARRA", "DIALLO", "KONATÉ", "SANGARÉ", "TOURÉ", "CISSÉ", "DEMBÉLÉ",
          "SISSOKO", "DOUMBIA", "BALLO", "SAMAKÉ", "KONÉ", "MAÏGA", "SIDIBÉ", "FOFANA", "DOUCOURÉ", "CAMARA",
          "BAGAYOKO", "GUINDO", "DICKO", "TANGARA", "BERTHÉ", "KANTÉ", "MARIKO", "SY", "NIANG", "SOW")
GIVEN = {Sex.MALE: ("Moussa", "Mamadou", "Seydou", "Boubacar", "Ibrahim", "Oumar", "Bakary", "Modibo", "Adama",
                    "Souleymane", "Drissa", "Lassana", "Sékou", "Yacouba", "Amadou", "Cheick", "Issa", "Siaka"),
         Sex.FEMALE: ("Awa", "Fatoumata", "Aminata", "Kadiatou", "Mariam", "Oumou", "Salimata", "Fanta", "Assétou",
                      "Djénéba", "Hawa", "Rokia", "Nana", "Bintou", "Korotoumou", "Safiatou", "Massitan", "Ramata")}
REGIONS = (("Kayes", "Diéma"), ("Kayes", "Nioro du Sahel"), ("Koulikoro", "Kati"), ("Sikasso", "Koutiala"),
           ("Ségou", "San"), ("Mopti", "Djenné"), ("Bamako", "Commune IV"), ("Bamako", "Commune VI"))
ABROAD = (("SA", "Riyad", "Al-Bina Contracting"), ("CI", "Abidjan", "Chantier de Cocody"),
          ("FR", "Montreuil", "Bâtir Est SARL"), ("ES", "Almería", "Invernaderos del Sur"),
          ("AE", "Dubaï", "Gulf Works LLC"), ("GA", "Libreville", "Socoba"))
PLACE = "Centre de formation professionnelle de Bamako, atelier 2"


@dataclass
class Context:
    """What every chunk's rows need: settings, staff and the shared evidence file; traces per chunk."""

    settings: Settings
    staff: Staff
    names: dict[int, str]  # staff user id -> name, for the jury's members
    evidence_sha256: str
    evidence_size: int
    first: dict[str, int]
    traces: dict[tuple[int, int], rules.UnitRuling] = field(default_factory=dict)

    def id(self, table: str, one: Plan) -> int:
        """The id of a table's one row per dossier (tables with one row per dossier count from it)."""
        return self.first[table] + one.index

    def trace(self, one: Plan, unit: FrameworkUnit) -> rules.UnitRuling:
        key = (one.index, unit.id or 0)
        if key not in self.traces:
            self.traces[key] = _judge_unit(self, one, unit)
        return self.traces[key]


def _mixed(one: Plan) -> int:
    # Knuth's multiplicative hash: family name, sex and given names vary independently of each other.
    return one.index * 2654435761 % 2**32


def sex_of(one: Plan) -> Sex:
    return Sex.FEMALE if _mixed(one) >> 24 & 1 else Sex.MALE


def names_of(one: Plan) -> tuple[str, str]:
    mixed, given = _mixed(one), GIVEN[sex_of(one)]
    first, second = given[(mixed >> 8) % len(given)], given[(mixed >> 16) % len(given)]
    return FAMILY[mixed % len(FAMILY)], first if first == second else f"{first} {second}"


def phone_of(one: Plan) -> str:
    return f"+2238{one.index:07d}"


def birth_date_of(one: Plan) -> date:
    return date(1965, 1, 1) + timedelta(days=one.index * 37 % (30 * 365))


# --- people ------------------------------------------------------------------------------------


def candidate_accounts(plans: list[Plan], ctx: Context, password_hash: str) -> Iterator[Row]:
    for one in plans:
        family, given = names_of(one)
        yield {"id": one.user_id, "login": phone_of(one), "name": f"{given} {family}", "role": Role.CANDIDATE,
               "password_hash": password_hash, "active": True, "created_at": one.created_at - timedelta(days=3)}


def candidates(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    for one in plans:
        family, given = names_of(one)
        number = identity.normalise(f"MLA{one.index:08d}")
        region, commune = REGIONS[one.index % len(REGIONS)]
        registered = one.created_at - timedelta(days=3)
        yield {"id": one.candidate_id, "user_id": one.user_id, "family_name": family, "given_names": given,
               "search_name": search.name_key(family, given), "sex": sex_of(one), "birth_date": birth_date_of(one),
               "nationality": "ML", "phone": phone_of(one),
               "preferred_language": Language.BM if one.index % 4 == 0 else Language.FR, "region": region,
               "commune": commune, "literacy_support": one.index % 5 == 0,
               "id_document_type": IdDocumentType.PASSPORT if one.index % 2 else IdDocumentType.NATIONAL_ID,
               "id_number_encrypted": identity.encrypt(ctx.settings, number),
               "id_number_last4": identity.last4(number), "id_number_hash": identity.keyed_hash(ctx.settings, number),
               "identity_seen_at": registered, "identity_seen_by_id": one.counsellor_id,
               "registered_by_id": one.counsellor_id, "password_temporary": True, "created_at": registered}


def consents(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    for one in plans:
        yield {"id": ctx.id("candidate_consent", one), "candidate_id": one.candidate_id,
               "purpose": ConsentPurpose.PROCESSING,
               "method": ConsentMethod.ORAL if one.index % 5 == 0 else ConsentMethod.CLICKED,
               "language": Language.BM if one.index % 4 == 0 else Language.FR, "text_version": "1",
               "given_at": one.created_at - timedelta(days=3), "recorded_by_id": one.counsellor_id}


def work_abroad(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    for one in plans:
        country, city, employer = ABROAD[one.index % len(ABROAD)]
        yield {"id": ctx.id("work_experience", one), "candidate_id": one.candidate_id, "country": country,
               "city": city, "employer": employer, "job_title": one.trade.framework.title_fr.split(" (")[0],
               "start_date": one.work[0], "end_date": one.work[1], "hours_per_week": 48,
               "tasks": "Travaux du métier sur chantier, six jours par semaine.",
               "created_at": one.created_at, "created_by_id": one.counsellor_id}


# --- dossiers ----------------------------------------------------------------------------------


def dossiers(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    for one in plans:
        last = one.path[-1][1]
        yield {"id": one.dossier_id, "candidate_id": one.candidate_id, "framework_id": one.trade.framework.id,
               "status": one.status, "counsellor_id": one.counsellor_id, "created_by_id": one.counsellor_id,
               "created_at": one.created_at, "status_changed_at": last, "last_activity_at": last}


def dossier_units(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    for one in plans:
        for unit in one.units:
            yield {"dossier_id": one.dossier_id, "unit_id": unit.id}


def _actor(one: Plan, step: DossierStatus, previous: DossierStatus | None, ctx: Context) -> tuple[int, str]:
    """Who makes each move, as the table of moves (validation/dossiers/status.py) allows it."""
    if step in (DossierStatus.DRAFT, DossierStatus.SUBMITTED, DossierStatus.PORTFOLIO_IN_PROGRESS,
                DossierStatus.PORTFOLIO_SUBMITTED):
        return one.counsellor_id, Role.COUNSELLOR.value
    if step in (DossierStatus.DESK_REVIEW, DossierStatus.ASSESSMENT_SCHEDULED,
                DossierStatus.ASSESSED) or (step == DossierStatus.JURY and previous == DossierStatus.ASSESSED):
        return one.assessor_id, Role.ASSESSOR.value
    if step == DossierStatus.JURY:
        return one.moderator_id, Role.ASSESSOR.value
    if step == DossierStatus.DECIDED:
        return one.jury[0], Role.ASSESSOR.value
    return ctx.staff.registrar, Role.REGISTRAR.value


def status_changes(plans: list[Plan], ctx: Context, ids: Iterator[int]) -> Iterator[Row]:
    for one in plans:
        previous: DossierStatus | None = None
        for step, moment in one.path:
            actor, kind = _actor(one, step, previous, ctx)
            detail: dict[str, Any] = {}
            if step == DossierStatus.PORTFOLIO_SUBMITTED:
                detail = {"manifest_sha256": _manifest(one, ctx)[1]}
            elif step == DossierStatus.DECIDED:
                detail = {"decision": ctx.id("jury_decision", one), "outcome": str(one.outcome)}
            elif step == DossierStatus.CERTIFIED:
                detail = {"certificate": one.numbers[0]}
            yield {"id": next(ids), "dossier_id": one.dossier_id, "from_status": previous, "to_status": step,
                   "actor_id": actor, "actor_kind": kind, "at": moment, "detail": detail}
            previous = step


def evidence(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    """One photo of the work abroad per portfolio, verified by the counsellor (the bytes are shared)."""
    for one in plans:
        if one.reached(DossierStatus.PORTFOLIO_SUBMITTED):
            country = ABROAD[one.index % len(ABROAD)][0]
            uploaded = one.at(DossierStatus.PORTFOLIO_IN_PROGRESS)
            yield {"id": ctx.id("evidence", one), "dossier_id": one.dossier_id, "sha256": ctx.evidence_sha256,
                   "kind": EvidenceKind.PHOTO_OF_WORK, "description": "Photo du chantier", "original_name":
                   "chantier.png", "date_from": one.work[0], "date_to": one.work[1], "country": country,
                   "work_experience_id": ctx.id("work_experience", one), "verification": Verification.VERIFIED,
                   "verified_by_id": one.counsellor_id, "verified_at": uploaded, "uploaded_by_id": one.counsellor_id,
                   "uploaded_at": uploaded}


def evidence_links(plans: list[Plan], ctx: Context, ids: Iterator[int]) -> Iterator[Row]:
    for one in plans:
        if one.reached(DossierStatus.PORTFOLIO_SUBMITTED):
            for unit in one.units:
                yield {"id": next(ids), "evidence_id": ctx.id("evidence", one), "unit_id": unit.id}


def _manifest(one: Plan, ctx: Context) -> tuple[dict[str, Any], str]:
    moment = one.at(DossierStatus.PORTFOLIO_SUBMITTED)
    document = {
        "format": portfolio.MANIFEST_FORMAT, "dossier": one.dossier_id,
        "framework": {"code": one.trade.framework.code, "version": one.trade.framework.version},
        "units": [unit.code for unit in one.units],
        "evidence": [{"id": ctx.id("evidence", one), "sha256": ctx.evidence_sha256, "size": ctx.evidence_size,
                      "media_type": "image/png", "kind": EvidenceKind.PHOTO_OF_WORK.value,
                      "uploaded_at": one.moment(DossierStatus.PORTFOLIO_IN_PROGRESS).isoformat(),
                      "units": sorted(unit.code for unit in one.units), "criteria": []}],
        "submitted_at": moment.isoformat() if moment else None,
    }
    return document, hashlib.sha256(portfolio.canonical(document)).hexdigest()


def snapshots(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    for one in plans:
        if one.reached(DossierStatus.PORTFOLIO_SUBMITTED):
            document, digest = _manifest(one, ctx)
            yield {"id": ctx.id("portfolio_snapshot", one), "dossier_id": one.dossier_id,
                   "created_at": one.at(DossierStatus.PORTFOLIO_SUBMITTED), "created_by_id": one.counsellor_id,
                   "manifest": document, "manifest_sha256": digest}


# --- the assessment ----------------------------------------------------------------------------


def assessments(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    for one in plans:
        if one.reached(DossierStatus.DESK_REVIEW):
            yield {"dossier_id": one.dossier_id, "round": 1, "finished_at": one.at(DossierStatus.ASSESSED),
                   "moderation_reasons": one.moderation_reasons if one.reached(DossierStatus.ASSESSED) else []}


def _assignments(one: Plan) -> Iterator[tuple[AccessPurpose, int, bool, datetime, datetime | None, bool]]:
    """(purpose, user, president, assigned at, ended at, declared) of each assignment the dossier has had."""
    if not one.reached(DossierStatus.DESK_REVIEW):
        return
    after_assessment = one.at(DossierStatus.JURY)
    yield (AccessPurpose.ASSESS, one.assessor_id, False, one.moment(DossierStatus.PORTFOLIO_SUBMITTED),
           after_assessment, one.status != DossierStatus.DESK_REVIEW or one.index % 5 != 0)
    moderated = one.at(DossierStatus.MODERATION)
    if moderated:
        yield (AccessPurpose.MODERATE, one.moderator_id, False, moderated, one.at(DossierStatus.JURY),
               one.status != DossierStatus.MODERATION or one.index % 3 != 0)
    if after_assessment:
        for president, member in ((True, one.jury[0]), (False, one.jury[1])):
            yield (AccessPurpose.JURY, member, president, after_assessment, one.at(DossierStatus.DECIDED),
                   one.status != DossierStatus.JURY or president)


def assignments(plans: list[Plan], ctx: Context, ids: Iterator[int]) -> Iterator[Row]:
    for one in plans:
        for purpose, user, president, at, ended, declared in _assignments(one):
            yield {"id": next(ids), "dossier_id": one.dossier_id, "user_id": user, "purpose": purpose,
                   "president": president, "round": 1, "assigned_at": at, "assigned_by_id": ctx.staff.registrar,
                   "declaration": Declaration.NO_CONFLICT if declared else Declaration.PENDING,
                   "declared_at": at + timedelta(hours=5) if declared else None, "ended_at": ended}


def grants(plans: list[Plan], ctx: Context, ids: Iterator[int]) -> Iterator[Row]:
    """What the signed declarations opened (and what the end of each assignment closed again)."""
    for one in plans:
        for purpose, user, _president, at, ended, declared in _assignments(one):
            if declared:
                yield {"id": next(ids), "dossier_id": one.dossier_id, "user_id": user, "purpose": purpose,
                       "granted_at": at + timedelta(hours=5), "granted_by_id": user, "revoked_at": ended}


def sittings(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    """The observation session with the candidate, identity checked: the direct evidence of the criteria."""
    for one in plans:
        if one.reached(DossierStatus.ASSESSMENT_SCHEDULED):
            held = one.moment(DossierStatus.ASSESSMENT_SCHEDULED)
            yield {"id": ctx.id("assessment_session", one), "dossier_id": one.dossier_id, "round": 1,
                   "method": Method.OBSERVATION, "unit_ids": [unit.id for unit in one.units],
                   "held_on": held.date(), "place": PLACE, "present_ids": [one.assessor_id],
                   "identity_checked": True, "recorded_by_id": one.assessor_id, "recorded_at": held}


def _judged(one: Plan) -> Iterator[tuple[FrameworkUnit, Any, int]]:
    """(unit, criterion, position) of every criterion judged so far: half of them while still scheduled."""
    if not one.reached(DossierStatus.ASSESSMENT_SCHEDULED):
        return
    every = [(unit, criterion, position) for unit in one.units
             for position, criterion in enumerate(one.trade.criteria[unit.id])]
    yield from every if one.reached(DossierStatus.ASSESSED) else every[:len(every) // 2]


def judgements(plans: list[Plan], ctx: Context, ids: Iterator[int]) -> Iterator[Row]:
    for one in plans:
        saved = one.at(DossierStatus.ASSESSED) or one.at(DossierStatus.ASSESSMENT_SCHEDULED)
        for unit, criterion, position in _judged(one):
            verdict = Verdict.NOT_YET_MET if one.failing.get(unit.id) == position else Verdict.MET
            yield {"id": next(ids), "dossier_id": one.dossier_id, "round": 1, "unit_id": unit.id,
                   "criterion_id": criterion.id, "verdict": verdict, "evidence_ids": [ctx.id("evidence", one)],
                   "session_ids": [ctx.id("assessment_session", one)], "version": 1, "source": Source.SCREEN,
                   "updated_at": saved, "updated_by_id": one.assessor_id}


def _judge_unit(ctx: Context, one: Plan, unit: FrameworkUnit) -> rules.UnitRuling:
    """The unit's result and trace from assessors/rules.py, with the sources the judgements cite."""
    sources = (rules.Source(f"evidence:{ctx.id('evidence', one)}", EvidenceKind.PHOTO_OF_WORK.value, one.work[1]),
               rules.Source(f"session:{ctx.id('assessment_session', one)}", Method.OBSERVATION.value,
                            one.moment(DossierStatus.ASSESSMENT_SCHEDULED).date()))
    judged = [rules.Judgement(c.code, c.critical,
                              Verdict.NOT_YET_MET if one.failing.get(unit.id) == position else Verdict.MET,
                              sources)
              for position, c in enumerate(one.trade.criteria[unit.id])]
    defaults = (one.trade.framework.default_rules or {}).get("currency_years") or {}
    years = unit.currency_years or int(defaults.get("critical") or defaults.get("default")
                                       or DEFAULT_CURRENCY_YEARS)
    return rules.judge_unit(unit.code, judged, as_of=one.assessed_on, currency_years=years)


def unit_results(plans: list[Plan], ctx: Context, ids: Iterator[int]) -> Iterator[Row]:
    for one in plans:
        if one.reached(DossierStatus.ASSESSED):
            for unit in one.units:
                found = ctx.trace(one, unit)
                yield {"id": next(ids), "dossier_id": one.dossier_id, "round": 1, "unit_id": unit.id,
                       "competent": found.competent, "trace": found.trace,
                       "computed_at": one.at(DossierStatus.ASSESSED)}


def moderations(plans: list[Plan], ctx: Context) -> Iterator[Row]:
    for one in plans:
        if one.reached(DossierStatus.ASSESSED) and one.moderation_reasons:
            done = one.at(DossierStatus.JURY)
            yield {"id": ctx.id("moderation", one), "dossier_id": one.dossier_id, "round": 1,
                   "reasons": one.moderation_reasons,
                   "moderator_id": one.moderator_id if one.reached(DossierStatus.MODERATION) else None,
                   "outcome": ModerationOutcome.AGREE if done else None, "created_at": one.at(DossierStatus.ASSESSED),
                   "decided_at": done}
