"""Demo dossiers for `acquis demo`: one candidate per state, work in Saudi Arabia, Côte d'Ivoire and
France, and small generated evidence files. Illustrative people only."""

import io
import wave
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import inspect
from sqlmodel import Session, select

from acquis.auth import service as auth_service
from acquis.auth.models import User
from acquis.config import Settings
from acquis.storage import Store
from validation.dossiers import admissibility, candidates, consents, evidence, portfolio, service, work_history
from validation.dossiers.inputs import CandidateCreate, ConsentCreate, EvidenceCreate, WorkExperienceCreate
from validation.dossiers.models import Candidate, ConsentMethod, ConsentPurpose, Dossier, EvidenceKind
from validation.dossiers.status import DossierStatus
from validation.frameworks.models import Framework

FIRST_PHONE = 70000001
# The demo candidate accounts, in the order of the first people below: each owns that person's record.
DEMO_ACCOUNTS = ("candidate", "candidate2")
DEMO_FRAMEWORK = "DEMO-MAC-01"
JOBS = (
    ("SA", "Riyad", "Al-Bina Contracting", "Maçon coffreur", 30,
     "Je montais des murs en blocs et je coulais les poteaux."),
    ("CI", "Abidjan", "Chantier du quartier Cocody", "Aide-maçon puis maçon", 24,
     "Je préparais le mortier et le béton."),
    ("FR", "Lyon", "Bâtir Rhône SARL", "Ouvrier maçon", 14, "Je faisais les enduits et les finitions."),
)


@dataclass(frozen=True)
class Person:
    family: str
    given: str
    sex: str
    target: DossierStatus


PEOPLE = (
    # The demo "candidate" account's own dossier comes first: it accepts uploads.
    Person("KONATÉ", "Seydou", "male", DossierStatus.PORTFOLIO_IN_PROGRESS),
    Person("TRAORÉ", "Awa", "female", DossierStatus.DRAFT),
    Person("DIALLO", "Mamadou", "male", DossierStatus.SUBMITTED),
    Person("COULIBALY", "Kadiatou", "female", DossierStatus.INTAKE_REVIEW),
    Person("KEÏTA", "Boubacar", "male", DossierStatus.INCOMPLETE),
    Person("SANGARÉ", "Mariam", "female", DossierStatus.NOT_ADMISSIBLE),
    Person("TOURÉ", "Ibrahim", "male", DossierStatus.ADMISSIBLE),
    Person("DEMBÉLÉ", "Fanta", "female", DossierStatus.PORTFOLIO_SUBMITTED),
    Person("SISSOKO", "Moussa", "male", DossierStatus.DESK_REVIEW),
    Person("CISSÉ", "Aminata", "female", DossierStatus.FLAGGED),
    Person("DOUMBIA", "Oumar", "male", DossierStatus.WITHDRAWN),
    Person("BALLO", "Salimata", "female", DossierStatus.LAPSED),
)


def seed_demo(session: Session, settings: Settings, *, store: Store) -> list[Dossier]:
    """Seed once, and only when a published framework and the demo accounts exist."""
    # Until the dossier tables' migration is written, a migrated database has none of them: then the
    # demo goes on without dossiers (tests/kernel/test_migrations.py reports the missing migration).
    if not inspect(session.connection()).has_table(Dossier.__tablename__):
        return []
    framework = _framework(session)
    # The second demo candidate account is optional: `acquis demo` makes one, tests may not.
    staff = auth_service.users_by_login(session, ("counsellor", "registrar", "candidate", "candidate2"))
    if framework is None or not {"counsellor", "registrar", "candidate"} <= staff.keys():
        return []
    if session.exec(select(Candidate).where(Candidate.phone == f"+{settings.phone_country_code}{FIRST_PHONE}")).first():
        return []
    return [_seed_person(session, settings, store, framework, person, index, staff)
            for index, person in enumerate(PEOPLE)]


def _framework(session: Session) -> Framework | None:
    published = service.published_frameworks(session)
    return next((f for f in published if f.code == DEMO_FRAMEWORK), published[0] if published else None)


def _seed_person(session: Session, settings: Settings, store: Store, framework: Framework, person: Person,
                 index: int, staff: dict[str, User]) -> Dossier:
    counsellor, registrar = staff["counsellor"], staff["registrar"]
    data = CandidateCreate(
        family_name=person.family, given_names=person.given, sex=person.sex,
        birth_date=date(1980 + index, 1 + index % 12, 1 + index), phone=str(FIRST_PHONE + index),
        region="Kayes" if index % 2 else "Bamako", commune="Kayes" if index % 2 else "Commune IV",
        id_document_type="passport", id_number=f"AA{1000000 + index}", identity_seen=True,
        literacy_support=index % 3 == 0)
    account = staff.get(DEMO_ACCOUNTS[index]) if index < len(DEMO_ACCOUNTS) else None
    # Only the demo candidate accounts log in: the other people are office records (their account
    # comes with a printed slip), so `acquis demo` prints every account there is.
    registration = candidates.register(session, data, by=counsellor, settings=settings, account=account,
                                       with_account=False)
    candidate_id: int = registration.candidate.id
    consents.record(session, candidate_id, ConsentCreate(purpose=ConsentPurpose.PROCESSING, method=ConsentMethod.ORAL),
                    by=counsellor)
    consents.record(session, candidate_id, ConsentCreate(purpose=ConsentPurpose.CONTACT_THIRD_PARTIES,
                                                         method=ConsentMethod.ORAL), by=counsellor)
    _jobs(session, candidate_id, index, counsellor)
    dossier = service.create(session, candidate_id, framework_id=framework.id, unit_ids=None,
                             by=counsellor)
    if person.target != DossierStatus.DRAFT:
        _evidence(session, settings, store, dossier, person, index, counsellor)
    for step in PATHS[person.target]:
        step(session, dossier, counsellor, registrar)
    return dossier


def _jobs(session: Session, candidate_id: int, index: int, by: User) -> None:
    end = date(2025, 6, 30) - timedelta(days=40 * index)
    for offset in (index % 3, (index + 1) % 3):
        country, city, employer, title, months, tasks = JOBS[offset]
        start = end - timedelta(days=int(months * 30.5))
        work_history.add(session, candidate_id, WorkExperienceCreate(
            country=country, city=city, employer=employer, job_title=title, start_date=start, end_date=end,
            hours_per_week=48 if country == "SA" else 40, tasks=tasks, proof_source="Fiches de paie, photos"), by=by)
        end = start - timedelta(days=30)


def _evidence(session: Session, settings: Settings, store: Store, dossier: Dossier, person: Person, index: int,
              by: User) -> None:
    units = service.units(session, dossier.id)
    ids = [unit.id for unit in units if unit.id is not None]
    wall, mortar = ids[min(2, len(ids) - 1)], ids[min(1, len(ids) - 1)]
    files: tuple[tuple[EvidenceKind, bytes, str, list[int]], ...] = (
        (EvidenceKind.PHOTO_OF_WORK, sample_jpeg(f"{person.given} — mur en blocs"), "mur.jpg", [wall]),
        (EvidenceKind.PAYSLIP, sample_pdf(f"Bulletin de salaire — {person.given} {person.family}"), "paie.pdf", []),
        (EvidenceKind.ORAL_NARRATIVE, sample_wav(index), "recit.wav", [mortar]),
    )
    for kind, data, name, unit_ids in files:
        evidence.add(session, dossier.id, EvidenceCreate(kind=kind, description=name.split(".")[0].title(),
                                                         unit_ids=unit_ids, country="SA"),
                     file=io.BytesIO(data), filename=name, by=by, store=store, settings=settings)


def sample_jpeg(text: str) -> bytes:
    image = Image.new("RGB", (320, 200), (190, 160, 120))
    draw = ImageDraw.Draw(image)
    for row in range(0, 200, 25):
        draw.line([(0, row), (320, row)], fill=(120, 90, 60), width=3)
    draw.text((10, 170), text, fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def sample_pdf(text: str) -> bytes:
    """A one-page PDF with one line of text, written by hand (offsets computed, so viewers open it)."""
    safe = text.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 50 780 Td (" + safe + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def sample_wav(seed: int) -> bytes:
    """Half a second of a quiet tone: stands in for a recorded narrative."""
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(1)
        sound.setframerate(8000)
        sound.writeframes(bytes(128 + (i * (seed + 3)) % 16 for i in range(4000)))
    return out.getvalue()


Step = Callable[[Session, Dossier, User, User], object]


def _move(target: DossierStatus, *, by: str, reason: str | None = None) -> Step:
    def step(session: Session, dossier: Dossier, counsellor: User, registrar: User) -> object:
        return service.move(session, dossier.id, target, by=counsellor if by == "counsellor" else registrar,
                            reason=reason)
    return step


def _decide(decision: admissibility.Decision, *, missing: list[str] | None = None, reason: str | None = None,
            advice: str | None = None) -> Step:
    def step(session: Session, dossier: Dossier, counsellor: User, registrar: User) -> object:
        return admissibility.decide(session, dossier.id, decision=decision, by=registrar, missing=missing,
                                    reason=reason, advice=advice)
    return step


def _freeze(session: Session, dossier: Dossier, counsellor: User, registrar: User) -> object:
    return portfolio.submit(session, dossier.id, by=counsellor)


def _lapse(session: Session, dossier: Dossier, counsellor: User, registrar: User) -> object:
    return service.transition(session, dossier, DossierStatus.LAPSED, by=None, detail={"demo": True})


SUBMIT = [_move(DossierStatus.SUBMITTED, by="counsellor")]
REVIEW = [*SUBMIT, _move(DossierStatus.INTAKE_REVIEW, by="registrar")]
ADMIT = [*REVIEW, _decide("admissible")]
BUILD = [*ADMIT, _move(DossierStatus.PORTFOLIO_IN_PROGRESS, by="counsellor")]
FROZEN = [*BUILD, _freeze]
DESK = [*FROZEN, _move(DossierStatus.DESK_REVIEW, by="registrar")]
PATHS: dict[DossierStatus, list[Step]] = {
    DossierStatus.DRAFT: [], DossierStatus.SUBMITTED: SUBMIT, DossierStatus.INTAKE_REVIEW: REVIEW,
    DossierStatus.INCOMPLETE: [*REVIEW, _decide("incomplete", missing=["Attestation de l'employeur à Riyad"])],
    DossierStatus.NOT_ADMISSIBLE: [*REVIEW, _decide("not_admissible",
                                                    reason="Le métier exercé ne correspond pas au référentiel.",
                                                    advice="Demandez la validation du référentiel d'électricien.")],
    DossierStatus.ADMISSIBLE: ADMIT, DossierStatus.PORTFOLIO_IN_PROGRESS: BUILD,
    DossierStatus.PORTFOLIO_SUBMITTED: FROZEN, DossierStatus.DESK_REVIEW: DESK,
    DossierStatus.FLAGGED: [*DESK, _move(DossierStatus.FLAGGED, by="registrar",
                                         reason="Ajoutez une photo du coffrage (bloc 4).")],
    DossierStatus.WITHDRAWN: [_move(DossierStatus.WITHDRAWN, by="counsellor",
                                    reason="Le candidat repart travailler à l'étranger.")],
    DossierStatus.LAPSED: [_lapse],
}

