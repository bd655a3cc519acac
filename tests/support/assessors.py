"""Test helpers for the assessment: accredited assessors, a dossier whose portfolio is frozen, the steps
of an assessment driven through the services (each step commits, as a request would), and the same steps
as a person takes them on the real pages (Playwright)."""

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Page
from sqlmodel import Session

from acquis.auth.models import Role, User
from acquis.config import Settings
from acquis.storage import Store
from assessors import drive, registry
from assessors.inputs import AccreditationCreate, JudgementInput
from assessors.rules import Verdict
from tests.support.dossiers import jpeg, make_dossier, publish_framework
from tests.support.web import UserFactory
from validation.dossiers import evidence, portfolio, service
from validation.dossiers.inputs import EvidenceCreate
from validation.dossiers.models import AccessPurpose, Candidate, Dossier, EvidenceKind
from validation.frameworks.models import Framework, FrameworkCriterion


def today() -> date:
    return date.today()


@dataclass
class Cast:
    """The people of one assessment, and the framework and dossier they work on."""

    admin: User
    registrar: User
    counsellor: User
    assessor: User
    moderator: User
    framework: Framework
    dossier: Dossier
    photo_id: int


def accredit(session: Session, user: User, code: str, *, by: User, until: date | None = None,
             start: date | None = None) -> None:
    registry.accredit(session, user.id, AccreditationCreate(
        framework_code=code, valid_from=start or today() - timedelta(days=365),
        valid_until=until or today() + timedelta(days=365)), by=by)
    session.commit()


def frozen_dossier(session: Session, settings: Settings, framework: Framework, *, counsellor: User,
                   registrar: User, account: User | None = None, **candidate: object) -> tuple[Dossier, int]:
    """A dossier of the counsellor's, admitted, with one photo linked to the first unit, portfolio frozen;
    `account` becomes the candidate's login."""
    dossier = make_dossier(session, settings, by=counsellor, framework=framework, **candidate)
    if account is not None:
        person = session.get(Candidate, dossier.candidate_id)
        assert person is not None
        person.user_id, person.password_temporary = account.id, False
        session.add(person)
    return dossier, freeze(session, settings, dossier, counsellor=counsellor, registrar=registrar)


def freeze(session: Session, settings: Settings, dossier: Dossier, *, counsellor: User, registrar: User) -> int:
    """A draft dossier submitted, admitted, given one photo linked to its first unit, its portfolio frozen;
    returns the photo's id."""
    drive.admitted(session, dossier.id, counsellor=counsellor, registrar=registrar)
    first = service.units(session, dossier.id)[0]
    received = evidence.add(session, dossier.id, EvidenceCreate(
        kind=EvidenceKind.PHOTO_OF_WORK, description="Casque et gants sur le chantier", unit_ids=[first.id],
        date_from=today() - timedelta(days=400), country="SA"),
        file=io.BytesIO(jpeg(7)), filename="chantier.jpg", by=counsellor, store=Store(settings.data_dir / "files"),
        settings=settings)
    portfolio.submit(session, dossier.id, by=counsellor)
    session.commit()
    return received.evidence.id


def cast(session: Session, settings: Settings, users: UserFactory, *, account: User | None = None,
         **candidate: object) -> Cast:
    admin = users(Role.ADMIN)
    registrar, counsellor = users(Role.REGISTRAR), users(Role.COUNSELLOR)
    assessor = users(Role.ASSESSOR, login="assessor", name="Bakary Coulibaly")
    moderator = users(Role.ASSESSOR, login="assessor2", name="Oumou Sangaré")
    framework = publish_framework(session)
    for person in (assessor, moderator):
        accredit(session, person, framework.code, by=admin)
    dossier, photo = frozen_dossier(session, settings, framework, counsellor=counsellor, registrar=registrar,
                                    account=account, **candidate)
    return Cast(admin, registrar, counsellor, assessor, moderator, framework, dossier, photo)


def assigned(session: Session, c: Cast, user: User, purpose: AccessPurpose, *, president: bool = False) -> int:
    """Assign and declare no conflict; returns the assignment id."""
    row = drive.assigned(session, c.dossier.id, user, purpose, by=c.registrar, today=today(), president=president)
    session.commit()
    return row.id


def scheduled(session: Session, c: Cast) -> int:
    """Assessor assigned and declared, every unit planned as a practical task, one session held
    (identity checked) for every unit; returns the session id."""
    sitting = drive.scheduled(session, c.dossier, assessor=c.assessor, registrar=c.registrar, today=today(),
                              place="Centre de Kayes")
    session.commit()
    return sitting.id


def score_all(session: Session, c: Cast, sitting: int, *, photo_only: str | None = None,
              unmet: frozenset[str] = frozenset()) -> None:
    """Every criterion met on the session, except: `photo_only` met on the photo alone, `unmet` not yet met."""
    def judge(criterion: FrameworkCriterion) -> JudgementInput:
        if criterion.code == photo_only:
            return JudgementInput(verdict=Verdict.MET, evidence_ids=[c.photo_id])
        if criterion.code in unmet:
            return JudgementInput(verdict=Verdict.NOT_YET_MET, session_ids=[sitting])
        return JudgementInput(verdict=Verdict.MET, session_ids=[sitting])
    drive.scored(session, c.dossier, judge, by=c.assessor, today=today())
    session.commit()


def to_jury(session: Session, settings: Settings, c: Cast, **scores: Any) -> None:
    """Scored, finished, moderated (agreed): the dossier waits for its jury."""
    sitting = scheduled(session, c)
    score_all(session, c, sitting, **scores)
    drive.finished(session, c.dossier, assessor=c.assessor, settings=settings, today=today())
    session.commit()
    drive.moderated(session, c.dossier, moderator=c.moderator, registrar=c.registrar, today=today())
    session.commit()


def decided(session: Session, settings: Settings, c: Cast, **scores: Any) -> int:
    """A jury of the moderator and the registrar (president) validates every competent unit."""
    to_jury(session, settings, c, **scores)
    drive.jury_named(session, c.dossier.id, member=c.moderator, president=c.registrar, today=today())
    decision = drive.decided(session, c.dossier.id, member=c.moderator, president=c.registrar,
                             reasons="Le bloc 1 manque d'observation directe.",
                             feedback="Revenez pour une observation du bloc 1.", today=today())
    session.commit()
    return decision.id


# --- on the real pages, in Chromium (any language: by ids and values, never by visible text) ------------


def declare(page: Page, live_url: str, purpose: str) -> None:
    """From the work list, sign the pending declaration for this role: no conflict."""
    page.goto(f"{live_url}/assessments")
    page.click(f"li[data-purpose={purpose}] a[id^=declare-]")
    page.check("#no-conflict")
    page.click("#sign")


def choose(page: Page, purpose: str, login: str, *, president: bool = False) -> None:
    """On the registrar's control page, designate `login` for the role."""
    section = f"#suggest-{purpose}"
    page.check(f"{section} input[data-login={login}]")
    if president:
        page.check(f"{section} #president")
    page.click(f"#assign-{purpose}")
    page.wait_for_selector(f"#assigned li[data-purpose={purpose}]")


def score_unit(page: Page, *, photo_only: str = "", photo_id: int | None = None) -> None:
    """On a unit's scoring page, every criterion met citing the session, except the one coded `photo_only`,
    cited on the photo alone; each click is saved by its own request, queued behind the previous one, and the
    state shows the version saved by the second."""
    for criterion in page.locator("#criteria form.criterion").all():
        form = f"#{criterion.get_attribute('id')}"
        if criterion.get_attribute("data-code") == photo_only:
            page.check(f"{form} input[name=evidence_ids][value='{photo_id}']")
        else:
            page.check(f"{form} input[name=session_ids]")
        page.check(f"{form} input[name=verdict][value=met]")
        page.wait_for_selector(f"{form}-state [data-version='2'][data-verdict=met]")
