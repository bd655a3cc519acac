"""The assessment pages as users meet them: assignment, declaration, access, the scoring screen, moderation,
jury and the procès-verbal, and the candidate's portal."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis.audit import AuditEvent
from acquis.auth.models import Role
from acquis.config import Settings
from assessors import assignment, moderation, service, unit_results
from tests.support.assessors import accredit, assigned, cast, decided, scheduled, score_all, to_jury, today
from tests.support.web import UserFactory, log_in, post_form
from validation.dossiers.models import AccessPurpose
from validation.dossiers.status import DossierStatus


def test_the_registrar_assigns_a_suggested_assessor_who_sees_the_dossier_only_after_declaring(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    log_in(client, "registrar")
    page = client.get(f"/dossiers/{c.dossier.id}/assignments")
    suggested = re.findall(r'name="user_id" value="(\d+)"[^>]*data-login="([^"]+)"', page.text)
    assert {login for _, login in suggested} >= {"assessor", "assessor2"}
    assert "counsellor" not in {login for _, login in suggested}
    response = post_form(client, f"/dossiers/{c.dossier.id}/assignments",
                         {"user_id": str(c.assessor.id), "purpose": "assess"}, page=f"/dossiers/{c.dossier.id}")
    assert response.status_code == 303
    client.cookies.clear()

    log_in(client, "assessor")
    assert client.get(f"/assessments/{c.dossier.id}").status_code == 404
    assert client.get(f"/dossiers/{c.dossier.id}").status_code == 404
    denied = session.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert len(denied) == 2 and denied[0].actor == f"assessor#{c.assessor.id}"
    work = client.get("/assessments")
    link = re.search(r'href="(/assignments/\d+/declaration)"', work.text)
    assert link, work.text
    declaration = client.get(link.group(1))
    assert "Seydou KONATÉ" in declaration.text
    signed = post_form(client, link.group(1), {"conflict": "no"}, page=link.group(1))
    assert signed.headers["location"].endswith(f"/assessments/{c.dossier.id}")
    portfolio = client.get(f"/assessments/{c.dossier.id}/portfolio")
    assert portfolio.status_code == 200 and f"/evidence/{c.photo_id}/thumbnail" in portfolio.text


def test_a_declared_conflict_ends_the_assignment_and_the_registrar_reads_why(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    row = assignment.assign(session, c.dossier.id, user_id=c.assessor.id, purpose=AccessPurpose.ASSESS,
                            by=c.registrar, today=today())
    session.commit()
    log_in(client, "assessor")
    url = f"/assignments/{row.id}/declaration"
    refused = post_form(client, url, {"conflict": "yes", "details": ""}, page=url)
    assert refused.status_code == 422
    done = post_form(client, url, {"conflict": "yes", "details": "C'est mon cousin."}, page=url)
    assert done.status_code == 303
    assert client.get(f"/assessments/{c.dossier.id}").status_code == 404
    client.cookies.clear()
    log_in(client, "registrar")
    page = client.get(f"/dossiers/{c.dossier.id}/assignments")
    assert "C&#39;est mon cousin." in page.text
    assert f'value="{c.assessor.id}"' not in page.text.split('id="suggest-assess"')[1].split("</section>")[0]


def test_each_click_is_saved_and_a_stale_save_by_another_assessor_is_refused_with_the_current_state(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    sitting = scheduled(session, c)
    second = users(Role.ASSESSOR, login="assessor3", name="Awa Diallo")
    accredit(session, second, c.framework.code, by=c.admin)
    assigned(session, c, second, AccessPurpose.ASSESS)
    unit = service.units(session, c.dossier)[1]
    criterion = unit_results.criteria_of(session, unit.id)[0]
    url = f"/assessments/{c.dossier.id}/criteria/{criterion.id}"

    log_in(client, "assessor")
    screen = f"/assessments/{c.dossier.id}/units/{unit.id}"
    assert f'id="criterion-{criterion.id}"' in client.get(screen).text
    saved = post_form(client, url, {"verdict": "met", "session_ids": str(sitting), "version": "0"}, page=screen)
    assert saved.status_code == 303
    htmx = client.post(url, data={"verdict": "met", "session_ids": str(sitting), "version": "1",
                                  "comment": "Dosage juste"},
                       headers={"HX-Request": "true", "X-CSRF-Token": _token(client, screen)})
    assert 'data-version="2"' in htmx.text and 'id="unit-result"' in htmx.text
    client.cookies.clear()

    log_in(client, "assessor3")
    stale = client.post(url, data={"verdict": "not_yet_met", "version": "0"},
                        headers={"HX-Request": "true", "X-CSRF-Token": _token(client, screen)})
    assert stale.status_code == 200 and stale.headers["HX-Retarget"] == f"#criterion-{criterion.id}"
    assert "Quelqu&#39;un d&#39;autre a modifié ce critère" in stale.text
    assert 'value="met" checked' in stale.text, "the current state is shown, not the refused one"
    judgement = unit_results.judgements(session, c.dossier.id)[criterion.id]
    session.refresh(judgement)
    assert judgement.verdict == "met" and judgement.comment == "Dosage juste"
    plain = post_form(client, url, {"verdict": "not_yet_met", "version": "0"}, page=screen)
    assert plain.status_code == 409


def _token(client: TestClient, page: str) -> str:
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get(page).text)
    assert match
    return match.group(1)


def test_a_paper_checklist_counts_only_once_a_second_person_confirms_it(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    sitting = scheduled(session, c)
    unit = service.units(session, c.dossier)[1]
    criteria = unit_results.criteria_of(session, unit.id)
    log_in(client, "assessor")
    form = f"/assessments/{c.dossier.id}/units/{unit.id}/paper"
    assert "MAC-U2-E1-C1" in client.get(f"/assessments/{c.dossier.id}/units/{unit.id}/checklist").text
    keyed = post_form(client, form, {"session_id": str(sitting), "comment": "Fiche du chantier",
                                     **{f"verdict-{k.id}": "met" for k in criteria}}, page=form)
    checklist = keyed.headers["location"]
    assert unit_results.results(session, c.dossier.id) == {}, "nothing counts before the confirmation"
    refused = post_form(client, f"{checklist}/confirm", {}, page=checklist)
    assert refused.status_code == 409
    client.cookies.clear()
    log_in(client, "registrar")
    assert post_form(client, f"{checklist}/confirm", {}, page=checklist).status_code == 303
    result = unit_results.results(session, c.dossier.id)[unit.id]
    assert result.competent


def test_the_moderator_query_goes_back_to_the_assessor_and_stays_in_the_record(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    sitting = scheduled(session, c)
    score_all(session, c, sitting, photo_only="MAC-U1-E1-C1")
    moderation.finish_assessment(session, c.dossier.id, by=c.assessor, today=today(), settings=settings)
    session.commit()
    assert session.get(type(c.dossier), c.dossier.id).status == DossierStatus.ASSESSED
    assigned(session, c, c.moderator, AccessPurpose.MODERATE)
    log_in(client, "assessor2")
    page = client.get(f"/moderation/{c.dossier.id}")
    assert "bloc avec critère critique (MAC-U1)" in page.text
    assert "Critère critique sans preuve directe" in page.text
    queried = post_form(client, f"/moderation/{c.dossier.id}", {"outcome": "query", "comment": "Revoir U1 ?"},
                        page=f"/moderation/{c.dossier.id}")
    assert queried.status_code == 303
    session.refresh(c.dossier)
    assert c.dossier.status == DossierStatus.ASSESSMENT_SCHEDULED
    client.cookies.clear()
    log_in(client, "assessor")
    assert "Revoir U1 ?" in client.get(f"/assessments/{c.dossier.id}").text


def test_the_jury_decides_partial_and_the_pv_and_the_candidate_portal_show_it(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    decision_id = decided(session, settings, c, photo_only="MAC-U1-E1-C1")
    log_in(client, "registrar")
    pdf = client.get(f"/decisions/{decision_id}/pv.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "Validation partielle" in client.get(f"/dossiers/{c.dossier.id}/assignments").text
    portal = client.get(f"/portal/dossiers/{c.dossier.id}/assessment", headers={"HX-Request": "true"})
    assert 'data-outcome="partial"' in portal.text
    for code in ("MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"):
        assert f'data-unit="{code}"' in portal.text.split('id="validated-units"')[1].split("</section>")[0]
    plan = portal.text.split('id="gap-plan"')[1].split("</section>")[0]
    assert 'data-unit="MAC-U1"' in plan and "MAC-U1-E1-C1" in plan


def test_a_jury_of_one_cannot_decide(client: TestClient, session: Session, settings: Settings,
                                     users: UserFactory) -> None:
    c = cast(session, settings, users)
    to_jury(session, settings, c)
    assigned(session, c, c.registrar, AccessPurpose.JURY, president=True)
    log_in(client, "registrar")
    page = client.get(f"/jury/{c.dossier.id}")
    assert "Le jury compte au moins deux membres." in page.text
    refused = post_form(client, f"/jury/{c.dossier.id}/decision", {"reasons": "Vu."}, page=f"/jury/{c.dossier.id}")
    assert refused.status_code == 409
