"""Units carried over: a candidate who already holds units of a framework (validated by an earlier decision, on
this version or on a newer one where the unit is unchanged) sees them at intake as "déjà validée le <date>,
certificat <numéro>", the new dossier asks nothing for them, and the new certificate lists them with their origin."""

import json
import re
from dataclasses import replace
from datetime import date
from urllib.parse import urlsplit

import pypdfium2
from babel.dates import format_date
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis.auth.models import Role
from acquis.config import Settings
from assessors import appeals
from certificates import issuing
from certificates import service as certificates
from certificates.models import Certificate
from tests.support.assessors import Cast, cast, decided, freeze, today
from tests.support.certificates import with_key
from tests.support.dossiers import DEMO_FILE
from tests.support.web import UserFactory, csrf_from, log_in
from validation.dossiers import service as dossiers
from validation.dossiers.models import Dossier, DossierUnit
from validation.dossiers.status import DossierStatus
from validation.frameworks import importers, tree
from validation.frameworks import service as frameworks
from validation.frameworks.models import Framework, FrameworkCriterion, FrameworkUnit


def browser(app: FastAPI, login: str) -> TestClient:
    client = TestClient(app)
    log_in(client, login)
    return client


def first_certificate(session: Session, settings: Settings, c: Cast) -> Certificate:
    """The candidate's first dossier: MAC-U1 not yet competent (photo only), MAC-U2 to U5 validated, a partial
    certificate made final by the candidate's written waiver."""
    with_key(session, settings)
    decision = decided(session, settings, c, photo_only="MAC-U1-E1-C1")
    cert = issuing.issue_for_decision(session, decision, by=c.registrar, settings=settings)
    appeals.waive(session, c.dossier.id, statement="Je renonce au recours.", by=c.registrar,
                  today=today())
    session.commit()
    assert session.get(Dossier, c.dossier.id).status == DossierStatus.CERTIFIED
    return cert


def second_version(session: Session, first: Framework) -> Framework:
    """Version 2 of the framework: MAC-U5's first criterion says something else (a new competence), MAC-U2's
    English title changes (a translation: the same competence), the other units are unchanged."""
    file = importers.read(DEMO_FILE)
    data = next(f for f in file.frameworks if f.code == first.code)
    row = frameworks.create_version(session, data, settings=tree.settings_of(file), version=2, based_on=first)
    criterion = session.exec(select(FrameworkCriterion).where(FrameworkCriterion.framework_id == row.id,
                                                              FrameworkCriterion.code == "MAC-U5-E1-C1")).one()
    criterion.text_fr = "Prépare le support selon la nouvelle norme (humidification, gobetis, primaire)"
    unit = session.exec(select(FrameworkUnit).where(FrameworkUnit.framework_id == row.id,
                                                    FrameworkUnit.code == "MAC-U2")).one()
    unit.title_en = "Prepare mortar and concrete"
    session.add_all([criterion, unit])
    frameworks.publish(session, row, by=None)
    session.commit()
    return row


def units_of(session: Session, framework: Framework) -> dict[str, int]:
    return {unit.code: unit.id for unit in dossiers.framework_units(session, framework.id)}


def held_section(html: str) -> str:
    found = re.search(r'id="held-units".*?</(?:section|div)>', html, re.S)
    assert found, "the page lists no unit already validated"
    return " ".join(found.group(0).split())


def origin(day: date, number: str, *, lang: str = "fr", form: str = "medium", word: str = "déjà validée") -> str:
    return f"{word} le {format_date(day, format=form, locale=lang)}, certificat {number}"


def pdf_text(data: bytes) -> str:
    return " ".join(pypdfium2.PdfDocument(data)[0].get_textpage().get_text_range().split())


def test_units_already_validated_are_shown_at_intake_not_asked_again_and_listed_with_their_origin(
        app: FastAPI, session: Session, settings: Settings, users: UserFactory) -> None:
    account = users(Role.CANDIDATE, login="aminata", name="Aminata Traoré")
    c = cast(session, settings, users, account=account)
    old = first_certificate(session, settings, c)
    validated_on = old.decision_date
    v1 = units_of(session, c.framework)
    counsellor, registrar = browser(app, c.counsellor.login), browser(app, c.registrar.login)
    candidate, assessor = browser(app, "aminata"), browser(app, c.assessor.login)

    # Same version, at the counsellor's desk: the four units held are listed with date and certificate, and
    # only MAC-U1 is offered; the dossier opened targets MAC-U1 alone and asks evidence for it alone.
    form = counsellor.get(f"/candidates/{c.dossier.candidate_id}/dossiers/new?framework_id={c.framework.id}")
    listed = held_section(form.text)
    for code in ("MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"):
        assert f'data-unit="{code}"' in listed
    assert 'data-unit="MAC-U1"' not in listed
    assert listed.count(origin(validated_on, old.number)) == 4
    assert re.findall(r'name="unit_ids" value="(\d+)"', form.text) == [str(v1["MAC-U1"])]
    made = counsellor.post(f"/candidates/{c.dossier.candidate_id}/dossiers", follow_redirects=False,
                           data={"framework_id": str(c.framework.id), "csrf_token": csrf_from(form.text)})
    assert made.status_code == 303, made.text
    again = int(made.headers["location"].rsplit("/", 1)[1])
    assert [u.unit_id for u in session.exec(select(DossierUnit).where(DossierUnit.dossier_id == again))] == [
        v1["MAC-U1"]]
    page = counsellor.get(f"/dossiers/{again}")
    assert held_section(page.text).count(origin(validated_on, old.number)) == 4
    asked = re.search(r'id="units".*?</section>', page.text, re.S).group(0)
    assert re.findall(r'<li id="unit-(\d+)"', asked) == [str(v1["MAC-U1"])]
    english = counsellor.get(f"/dossiers/{again}?lang=en")
    assert format_date(validated_on, format="medium", locale="en") in held_section(english.text)
    withdrawn = counsellor.post(f"/dossiers/{again}/move", follow_redirects=False,
                                data={"to": "withdrawn", "csrf_token": csrf_from(page.text)})
    assert withdrawn.status_code == 303

    # A newer version: MAC-U2 to U4 are unchanged there and carry; MAC-U5 changed and is asked again. The
    # candidate opens the dossier on the portal and sees what she keeps.
    v2_framework = second_version(session, c.framework)
    v2 = units_of(session, v2_framework)
    choose = candidate.get("/portal/dossiers/new")
    made = candidate.post(f"/candidates/{c.dossier.candidate_id}/dossiers", follow_redirects=False,
                          data={"framework_id": str(v2_framework.id), "csrf_token": csrf_from(choose.text)})
    assert made.status_code == 303, made.text
    dossier = session.exec(select(Dossier).where(Dossier.framework_id == v2_framework.id)).one()
    assert sorted(u.unit_id for u in session.exec(select(DossierUnit).where(DossierUnit.dossier_id == dossier.id))
                  ) == sorted([v2["MAC-U1"], v2["MAC-U5"]])
    portal = held_section(candidate.get(f"/portal/dossiers/{dossier.id}").text)
    assert [code for code in re.findall(r'data-unit="([^"]+)"', portal)] == ["MAC-U2", "MAC-U3", "MAC-U4"]
    assert portal.count(origin(validated_on, old.number)) == 3

    # The registrar admits it with the same list in view; the evidence form offers only the units to prove.
    offered = candidate.get(f"/dossiers/{dossier.id}/evidence/new").text
    assert sorted(re.findall(r'name="unit_ids" value="(\d+)"', offered)) == sorted([str(v2["MAC-U1"]),
                                                                                    str(v2["MAC-U5"])])
    freeze(session, settings, dossier, counsellor=c.counsellor, registrar=c.registrar)
    admission = registrar.get(f"/dossiers/{dossier.id}/admissibility")
    assert held_section(admission.text).count(origin(validated_on, old.number)) == 3
    session.refresh(dossier)
    second = replace(c, framework=v2_framework, dossier=dossier)

    # The assessor gets no scoring form and no checklist for a carried unit, only for MAC-U1 and MAC-U5.
    decision = decided(session, settings, second)
    assert assessor.get(f"/assessments/{dossier.id}/units/{v2['MAC-U5']}").status_code == 200
    for refused in (f"/assessments/{dossier.id}/units/{v2['MAC-U3']}",
                    f"/assessments/{dossier.id}/units/{v2['MAC-U3']}/checklist"):
        assert assessor.get(refused).status_code == 422  # "this unit is not one this dossier asks to prove"

    # The new certificate: the whole qualification, the units validated now and those carried, each with its
    # origin, on the PDF, in the signed credential and on the verify page.
    cert = issuing.issue_for_decision(session, decision, by=c.registrar, settings=settings)
    session.commit()
    assert cert.decision.value == "full" and len(cert.validated_units()) == 5
    printed = pdf_text(certificates.pdf_bytes(cert, store=certificates.store_for(settings)))
    french = printed[:printed.index("Awarded to")]  # the French side; the English one follows
    assert french.count(origin(validated_on, old.number, form="long", word="validée")) == 3
    assert french.count("validée par la présente décision") == 2
    assert printed.count(old.number) == 6 and format_date(validated_on, format="long", locale="en") in printed
    document = json.loads(candidate.get(f"/certificates/{cert.number}/credential.json").text)
    aligned = [r["alignment"][0]["targetCode"] for r in document["credentialSubject"]["result"] if "alignment" in r]
    assert aligned == [old.number] * 3
    assert f"validée le {validated_on.isoformat()}, certificat {old.number}" in document[
        "credentialSubject"]["achievement"]["criteria"]["narrative"]
    checked = TestClient(app).post("/api/v1/verify", files={"file": ("c.json", json.dumps(document).encode())})
    assert checked.json()["verdict"] == "valid"
    assert checked.json()["certificate"]["unit_origins"].count(
        {"validated_on": validated_on.isoformat(), "certificate": old.number}) == 3
    shown = TestClient(app).get(urlsplit(certificates.verify_url(cert, settings=settings)).path)
    assert shown.text.count(origin(validated_on, old.number, form="long", word="validée")) == 3


def test_a_revoked_certificates_units_are_no_longer_carried(
        app: FastAPI, session: Session, settings: Settings, users: UserFactory) -> None:
    account = users(Role.CANDIDATE, login="aminata", name="Aminata Traoré")
    c = cast(session, settings, users, account=account)
    old = first_certificate(session, settings, c)
    counsellor = browser(app, c.counsellor.login)
    new_dossier = f"/candidates/{c.dossier.candidate_id}/dossiers/new?framework_id={c.framework.id}"
    assert 'id="held-units"' in counsellor.get(new_dossier).text

    certificates.revoke(session, old.number, reason="Attestation falsifiée", by=c.registrar, settings=settings)
    session.commit()
    form = counsellor.get(new_dossier)
    assert 'id="held-units"' not in form.text  # nothing is held on a revoked certificate's word
    assert sorted(re.findall(r'name="unit_ids" value="(\d+)"', form.text)) == sorted(
        str(unit) for unit in units_of(session, c.framework).values())
