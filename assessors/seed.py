"""Demo assessment for `acquis demo`: the demo assessors accredited for the demo trades, and dossiers in
scoring (a paper checklist waiting for its second person), moderation and jury, and decided: one full,
one partial (the demo candidate's), one none.
Illustrative people only; everything goes through the services, so the audit chain holds it all."""

import io
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from sqlalchemy import inspect
from sqlmodel import Session, select

from acquis.auth import service as auth_service
from acquis.auth.models import User
from acquis.config import Settings
from acquis.db import utcnow
from acquis.storage import Store
from assessors import drive, paper, registry, service, unit_results
from assessors.inputs import AccreditationCreate, JudgementInput, ProfileUpdate
from assessors.models import Accreditation
from assessors.rules import Verdict
from validation.dossiers import candidates, consents, evidence, portfolio, work_history
from validation.dossiers import service as dossiers
from validation.dossiers.inputs import CandidateCreate, ConsentCreate, EvidenceCreate, WorkExperienceCreate
from validation.dossiers.models import Candidate, ConsentMethod, ConsentPurpose, Dossier, EvidenceKind
from validation.dossiers.seed import sample_jpeg, sample_pdf
from validation.frameworks.models import Framework, FrameworkCriterion, FrameworkUnit

FIRST_PHONE = 71000001
PLACE = "Centre de formation professionnelle de Kayes"
LOGINS = ("admin", "registrar", "counsellor", "assessor", "assessor2", "candidate")


@dataclass(frozen=True)
class Case:
    family: str
    given: str
    sex: str
    target: str  # scoring | moderation | jury | full | partial | none


CASES = (
    Case("DIARRA", "Adama", "male", "scoring"),
    Case("SIDIBÉ", "Hawa", "female", "moderation"),
    Case("CAMARA", "Lassana", "male", "jury"),
    Case("KOUYATÉ", "Nana", "female", "full"),
    Case("KONATÉ", "Seydou", "male", "partial"),  # the demo candidate account, for another trade
    Case("TANGARA", "Sékou", "male", "none"),
)


def seed_demo(session: Session, settings: Settings, *, store: Store) -> list[Dossier]:
    """Seed once, when the assessment tables, the demo accounts and the mason framework exist."""
    # Until the integrator writes the assessment's migration, a migrated database lacks these tables.
    if not inspect(session.connection()).has_table(Accreditation.__tablename__):
        return []
    people = auth_service.users_by_login(session, LOGINS)
    published = {f.code: f for f in reversed(dossiers.published_frameworks(session))}
    if len(people) < len(LOGINS) or "DEMO-MAC-01" not in published:
        return []
    if session.exec(select(Accreditation).where(Accreditation.user_id == people["assessor"].id)).first():
        return []
    today = utcnow().date()
    # The third demo assessor (when `acquis demo` made one) is accredited too, and assigned nothing.
    extra = session.exec(select(User).where(User.login == "assessor3")).first()
    for user, region in ((people["assessor"], "Kayes"), (people["assessor2"], "Bamako"), (extra, "Ségou")):
        if user is not None:
            _accredit(session, user, [code for code in published if code.startswith("DEMO-")], region,
                      by=people["admin"], today=today)
    seeded = []
    for index, case in enumerate(CASES):
        framework = published.get("DEMO-ELB-01", published["DEMO-MAC-01"]) if case.target == "partial" \
            else published["DEMO-MAC-01"]
        dossier, photo = _frozen(session, settings, store, framework, case, index, people)
        _drive(session, settings, dossier, photo, case.target, people, today=today)
        seeded.append(dossier)
    return seeded


def _accredit(session: Session, user: User, codes: list[str], region: str, *, by: User, today: date) -> None:
    registry.update_profile(session, user.id, ProfileUpdate(languages=["fr", "bm"], region=region), by=by)
    for code in codes:
        registry.accredit(session, user.id, AccreditationCreate(
            framework_code=code, valid_from=today - timedelta(days=365), valid_until=today + timedelta(days=730)),
            by=by)


def _candidate(session: Session, settings: Settings, case: Case, index: int, people: dict[str, User]) -> Candidate:
    if case.target == "partial":
        mine = session.exec(select(Candidate).where(Candidate.user_id == people["candidate"].id)).first()
        if mine is not None:
            return mine
    counsellor = people["counsellor"]
    data = CandidateCreate(family_name=case.family, given_names=case.given, sex=case.sex,
                           birth_date=date(1979 + index, 3 + index, 10 + index), phone=str(FIRST_PHONE + index),
                           region="Kayes", commune="Kayes", id_document_type="passport",
                           id_number=f"AB{2000000 + index}", identity_seen=True)
    candidate = candidates.register(session, data, by=counsellor, settings=settings, with_account=False).candidate
    consents.record(session, candidate.id, ConsentCreate(purpose=ConsentPurpose.PROCESSING,
                                                         method=ConsentMethod.ORAL), by=counsellor)
    work_history.add(session, candidate.id, WorkExperienceCreate(
        country="SA", city="Djeddah", employer="Red Sea Builders", job_title="Maçon", start_date=date(2017, 2, 1),
        end_date=date(2023, 8, 31), tasks="Murs, dalles, enduits."), by=counsellor)
    return candidate


def _frozen(session: Session, settings: Settings, store: Store, framework: Framework, case: Case, index: int,
            people: dict[str, User]) -> tuple[Dossier, int]:
    """A new dossier, admitted, with a photo (for the first unit) and a payslip, portfolio frozen."""
    counsellor, registrar = people["counsellor"], people["registrar"]
    candidate = _candidate(session, settings, case, index, people)
    dossier = dossiers.create(session, candidate.id, framework_id=framework.id, unit_ids=None, by=counsellor)
    dossier_id: int = dossier.id
    drive.admitted(session, dossier_id, counsellor=counsellor, registrar=registrar)
    first = dossiers.units(session, dossier_id)[0]
    photo = evidence.add(session, dossier_id, EvidenceCreate(
        kind=EvidenceKind.PHOTO_OF_WORK, description="Sur le chantier", unit_ids=[first.id],
        date_from=date(2023, 5, 1), country="SA"), file=io.BytesIO(sample_jpeg(f"{case.given} — chantier")),
        filename="chantier.jpg", by=counsellor, store=store, settings=settings).evidence
    evidence.add(session, dossier_id, EvidenceCreate(kind=EvidenceKind.PAYSLIP, description="Bulletin", country="SA"),
                 file=io.BytesIO(sample_pdf(f"Bulletin de salaire — {case.given} {case.family}")),
                 filename="paie.pdf", by=counsellor, store=store, settings=settings)
    portfolio.submit(session, dossier_id, by=counsellor)
    return dossier, photo.id


def _judge(target: str, criterion: FrameworkCriterion, *, sitting: int, photo: int,
           photo_only: int | None) -> JudgementInput:
    """Met on the session; "none": not yet met; "partial": one critical criterion met on the photo alone,
    so that its unit fails and its trace says why."""
    if target == "none":
        return JudgementInput(verdict=Verdict.NOT_YET_MET, session_ids=[sitting], comment="Pas encore maîtrisé.")
    if criterion.id == photo_only:
        return JudgementInput(verdict=Verdict.MET, evidence_ids=[photo], comment="Vu seulement sur la photo.")
    return JudgementInput(verdict=Verdict.MET, session_ids=[sitting])


def _drive(session: Session, settings: Settings, dossier: Dossier, photo: int, target: str,
           people: dict[str, User], *, today: date) -> None:
    registrar, assessor, moderator = people["registrar"], people["assessor"], people["assessor2"]
    sitting = drive.scheduled(session, dossier, assessor=assessor, registrar=registrar, today=today, place=PLACE,
                              time="09:00")
    units = service.to_assess(session, dossier)
    critical = [c for c in unit_results.criteria_of(session, units[0].id) if c.critical]
    photo_only = critical[0].id if target == "partial" and critical else None
    drive.scored(session, dossier, partial(_judge, target, sitting=sitting.id, photo=photo, photo_only=photo_only),
                 by=assessor, today=today, units=units[:2] if target == "scoring" else units)
    if target == "scoring":
        _paper(session, dossier.id, units, sitting=sitting.id, by=assessor)
        return
    drive.finished(session, dossier, assessor=assessor, settings=settings, today=today)
    waiting = target == "moderation"  # the moderator is assigned, and has not read it yet
    if drive.moderated(session, dossier, moderator=moderator, registrar=registrar, today=today, agree=not waiting) \
            and waiting:
        return
    drive.jury_named(session, dossier.id, member=moderator, president=registrar, today=today)
    if target == "jury":
        return
    drive.decided(session, dossier.id, member=moderator, president=registrar, reasons=REASONS[target],
                  feedback=FEEDBACK[target], today=today)


def _paper(session: Session, dossier_id: int, units: list[FrameworkUnit], *, sitting: int, by: User) -> None:
    """The next unit's paper checklist, keyed in from the same sitting: it waits for a second person."""
    if len(units) > 2:
        verdicts = {c.id: Verdict.MET for c in unit_results.criteria_of(session, units[2].id)}
        paper.key_in(session, dossier_id, units[2].id, session_id=sitting, verdicts=verdicts,
                     comment="Fiche remplie sur le chantier, sans écran.", by=by)


REASONS = {"full": "Tous les blocs sont démontrés, y compris en sécurité.",
           "partial": "Le bloc de sécurité n'a été vu que sur photo : il doit être observé directement.",
           "none": "Les critères ne sont pas encore atteints lors de la mise en situation."}
FEEDBACK = {"full": "Félicitations : votre certificat va être préparé.",
            "partial": "Vos autres blocs sont acquis. Revenez montrer les gestes de sécurité devant un évaluateur.",
            "none": "Suivez une formation courte, puis déposez un nouveau dossier avec votre conseiller."}
