"""Who may call what: every route of the app, called by every role on the demo data, answers as the
table below declares (tests/product/test_csrf.py: the CSRF token each state change needs)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import Response
from sqlmodel import Session

from acquis.config import Settings
from acquis.main import create_app
from tests.support.authorization import (
    Caller,
    Demo,
    caller,
    demo_database,
    demo_parameters,
    fill,
    in_order,
    is_login_redirect,
    routes,
)
from tests.support.web import app_of
from validation.dossiers.seed import sample_jpeg

# The columns of MATRIX: who they are on the demo data, and the login they use.
ROLES = {
    "anon": None,  # no account: an employer, anyone
    "cand": "candidate",  # the demo candidate: {candidate_id}, {dossier_id}, {number} are theirs
    "other": "candidate2",  # another candidate, with a dossier of her own
    "couns": "counsellor",  # the counsellor who built the candidate's dossiers
    "free": "assessor3",  # an accredited assessor, assigned to nothing
    "asgd": "assessor",  # the assessor assigned to {dossier_id} (and to every demo dossier)
    "panel": "assessor2",  # {dossier_id}'s moderator and jury member
    "reg": "registrar",  # the registrar, also president of {dossier_id}'s jury
    "admin": "admin",
}

# Y  may: anything but 401, 403, 404, a redirect to /login or a server error (a 409 or 422 on a
#    deliberately empty form is fine: the request got past the check of who may).
# -  refused: anonymous is sent to /login?next=... (a 401 on /api/); a logged-in role gets 403.
# h  hidden: 404, exactly as for something that does not exist.
# POSTs go with a valid CSRF token and the FORMS/FILES below or an empty form.
MATRIX = """
                                                                      anon cand other couns free asgd panel reg admin
GET  /                                                                   Y    Y     Y     Y    Y    Y     Y   Y     Y
GET  /.well-known/acquis/revocations.json                                Y    Y     Y     Y    Y    Y     Y   Y     Y
GET  /.well-known/acquis/trust-list.json                                 Y    Y     Y     Y    Y    Y     Y   Y     Y
# A printed form's code ({form_code}: the demo dossier's convocation): for staff who see the dossier.
GET  /F/{form_code}                                                      -    h     h     Y    h    Y     Y   Y     Y
GET  /V/{payload}                                                        Y    Y     Y     Y    Y    Y     Y   Y     Y
POST /accreditations/{accreditation_id}/withdraw                         -    -     -     -    -    -     -   -     Y
GET  /account/password                                                   -    -     -     Y    Y    Y     Y   Y     Y
POST /account/password                                                   -    -     -     Y    Y    Y     Y   Y     Y
GET  /admin/users                                                        -    -     -     -    -    -     -   -     Y
POST /admin/users                                                        -    -     -     -    -    -     -   -     Y
GET  /api/v1/dossiers                                                    -    Y     Y     Y    Y    Y     Y   Y     Y
GET  /api/v1/dossiers/{dossier_id}/evidence                              -    Y     h     Y    h    h     h   Y     Y
POST /api/v1/dossiers/{dossier_id}/evidence                              -    Y     h     Y    h    -     -   Y     Y
GET  /api/v1/frameworks                                                  -    Y     Y     Y    Y    Y     Y   Y     Y
GET  /api/v1/frameworks/{code}                                           -    Y     Y     Y    Y    Y     Y   Y     Y
POST /api/v1/verify                                                      Y    Y     Y     Y    Y    Y     Y   Y     Y
# The demo has no appeal: {appeal_id} names none; the role guard answers before the lookup.
POST /appeals/{appeal_id}/decision                                       -    -     -     -    -    -     -   Y     Y
GET  /assessments                                                        -    -     -     -    Y    Y     Y   Y     Y
# An assessor's work on a dossier: only for the one assigned (the registry has its own pages).
GET  /assessments/{dossier_id}                                           -    h     h     h    h    Y     h   h     h
GET  /assessments/{dossier_id}/convocation                               -    h     h     h    h    Y     h   Y     Y
POST /assessments/{dossier_id}/criteria/{criterion_id}                   -    h     h     h    h    Y     h   h     h
POST /assessments/{dossier_id}/evidence/{evidence_id}/relevance          -    h     h     h    h    Y     h   h     h
POST /assessments/{dossier_id}/finish                                    -    h     h     h    h    Y     h   h     h
POST /assessments/{dossier_id}/flag                                      -    h     h     h    h    Y     h   h     h
GET  /assessments/{dossier_id}/plan                                      -    h     h     h    h    Y     h   h     h
GET  /assessments/{dossier_id}/portfolio                                 -    h     h     h    h    Y     h   h     h
GET  /assessments/{dossier_id}/results                                   -    h     h     h    h    Y     Y   Y     Y
POST /assessments/{dossier_id}/review                                    -    h     h     h    h    Y     h   h     h
POST /assessments/{dossier_id}/schedule                                  -    h     h     h    h    Y     h   h     h
POST /assessments/{dossier_id}/sessions                                  -    h     h     h    h    Y     h   h     h
GET  /assessments/{dossier_id}/units/{unit_id}                           -    h     h     h    h    Y     h   h     h
GET  /assessments/{dossier_id}/units/{unit_id}/checklist                 -    h     h     h    h    Y     h   h     h
GET  /assessments/{dossier_id}/units/{unit_id}/paper                     -    h     h     h    h    Y     h   h     h
POST /assessments/{dossier_id}/units/{unit_id}/paper                     -    h     h     h    h    Y     h   h     h
POST /assessments/{dossier_id}/units/{unit_id}/plan                      -    h     h     h    h    Y     h   h     h
GET  /assessors                                                          -    -     -     -    -    -     -   -     Y
GET  /assessors/{user_id}                                                -    -     -     -    -    -     -   -     Y
POST /assessors/{user_id}/accreditations                                 -    -     -     -    -    -     -   -     Y
POST /assessors/{user_id}/profile                                        -    -     -     -    -    -     -   -     Y
GET  /assignments/{assignment_id}/declaration                            -    h     h     h    h    Y     h   h     h
POST /assignments/{assignment_id}/declaration                            -    h     h     h    h    Y     h   h     h
POST /assignments/{assignment_id}/end                                    -    -     -     -    -    -     -   Y     Y
GET  /candidates                                                         -    -     -     Y    -    -     -   Y     Y
POST /candidates                                                         -    -     -     Y    -    -     -   Y     Y
GET  /candidates/new                                                     -    -     -     Y    -    -     -   Y     Y
GET  /candidates/{candidate_id}                                          -    Y     h     Y    h    h     h   Y     Y
POST /candidates/{candidate_id}/consents                                 -    -     -     Y    -    -     -   Y     Y
POST /candidates/{candidate_id}/dossiers                                 -    Y     h     Y    h    h     h   Y     Y
GET  /candidates/{candidate_id}/dossiers/new                             -    -     -     Y    -    -     -   Y     Y
GET  /candidates/{candidate_id}/export.json                              -    Y     h     Y    h    h     h   Y     Y
POST /candidates/{candidate_id}/identity                                 -    -     -     Y    -    -     -   Y     Y
POST /candidates/{candidate_id}/slip                                     -    -     -     Y    -    -     -   Y     Y
GET  /candidates/{candidate_id}/summary.pdf                              -    Y     h     Y    h    h     h   Y     Y
POST /candidates/{candidate_id}/work                                     -    Y     h     Y    h    h     h   Y     Y
GET  /certificates                                                       -    -     -     -    -    -     -   Y     Y
GET  /certificates/export/credentials.jsonl                              -    -     -     -    -    -     -   Y     Y
GET  /certificates/issue/pending                                         -    -     -     -    -    -     -   Y     Y
POST /certificates/issue/pending                                         -    -     -     -    -    -     -   Y     Y
POST /certificates/reissue                                               -    -     -     -    -    -     -   Y     Y
GET  /certificates/{number}                                              Y    Y     Y     Y    Y    Y     Y   Y     Y
# A certificate: for its holder and the registry, public only through verification.
GET  /certificates/{number}.pdf                                          -    Y     h     h    h    h     h   Y     Y
GET  /certificates/{number}/credential.json                              -    Y     h     h    h    h     h   Y     Y
POST /certificates/{number}/revoke                                       -    -     -     -    -    -     -   Y     Y
POST /consents/{consent_id}/withdraw                                     -    Y     h     Y    h    h     h   Y     Y
GET  /decisions/{decision_id}/pv.pdf                                     -    h     h     h    h    Y     Y   Y     Y
GET  /docs                                                               Y    Y     Y     Y    Y    Y     Y   Y     Y
GET  /dossiers                                                           -    -     -     Y    -    -     -   Y     Y
GET  /dossiers/{dossier_id}                                              -    Y     h     Y    h    Y     Y   Y     Y
GET  /dossiers/{dossier_id}/admissibility                                -    -     -     -    -    -     -   Y     Y
POST /dossiers/{dossier_id}/admissibility                                -    -     -     -    -    -     -   Y     Y
# The candidate appeals, or their counsellor for them; never the judges or the registry.
POST /dossiers/{dossier_id}/appeal                                       -    Y     h     Y    h    -     -   -     -
# Its written waiver: typed by the candidate or counsellor, or copied from paper by the registry.
POST /dossiers/{dossier_id}/appeal-waiver                                -    Y     h     Y    h    -     -   Y     Y
GET  /dossiers/{dossier_id}/assessment-panel                             -    -     -     Y    h    Y     Y   Y     Y
GET  /dossiers/{dossier_id}/assignments                                  -    -     -     -    -    -     -   Y     Y
POST /dossiers/{dossier_id}/assignments                                  -    -     -     -    -    -     -   Y     Y
GET  /dossiers/{dossier_id}/attestation-form                             -    Y     h     Y    h    Y     Y   Y     Y
GET  /dossiers/{dossier_id}/certificate                                  -    Y     h     Y    h    Y     Y   Y     Y
POST /dossiers/{dossier_id}/certificate                                  -    -     -     -    -    -     -   Y     Y
POST /dossiers/{dossier_id}/counsellor                                   -    -     -     -    -    -     -   Y     Y
# Those who judge the evidence never add to it (nor get the upload form).
POST /dossiers/{dossier_id}/evidence                                     -    Y     h     Y    h    -     -   Y     Y
GET  /dossiers/{dossier_id}/evidence/new                                 -    Y     h     Y    h    -     -   Y     Y
POST /dossiers/{dossier_id}/gap-plan                                     -    -     -     -    -    -     -   Y     Y
# Moves: whoever sees the dossier may ask; validation/dossiers/status.py answers by state, then by
# role (the demo dossier is certified, so all get 409 here).
POST /dossiers/{dossier_id}/move                                         -    Y     h     Y    h    Y     Y   Y     Y
POST /dossiers/{dossier_id}/portfolio                                    -    Y     h     Y    h    Y     Y   Y     Y
POST /dossiers/{dossier_id}/reopen                                       -    Y     h     Y    h    Y     Y   Y     Y
# Evidence: the assessor and the panel lose it once the dossier is decided (the demo one is certified).
GET  /evidence/{evidence_id}                                             -    Y     h     Y    h    h     h   Y     Y
GET  /evidence/{evidence_id}/file                                        -    Y     h     Y    h    h     h   Y     Y
POST /evidence/{evidence_id}/summary                                     -    -     h     Y    h    h     h   Y     Y
GET  /evidence/{evidence_id}/thumbnail                                   -    Y     h     Y    h    h     h   Y     Y
POST /evidence/{evidence_id}/verification                                -    -     h     Y    h    h     h   Y     Y
GET  /f/                                                                 -    h     h     h    h    h     h   h     h
GET  /f/{form_code}                                                      -    h     h     Y    h    Y     Y   Y     Y
GET  /frameworks                                                         -    Y     Y     Y    Y    Y     Y   Y     Y
POST /frameworks/import                                                  -    -     -     -    -    -     -   -     Y
GET  /frameworks/{code}                                                  -    Y     Y     Y    Y    Y     Y   Y     Y
GET  /frameworks/{code}/compare                                          -    Y     Y     Y    Y    Y     Y   Y     Y
GET  /frameworks/{code}/{version:int}                                    -    Y     Y     Y    Y    Y     Y   Y     Y
POST /frameworks/{code}/{version:int}/criterion/{node_id:int}/critical    -    -     -     -    -    -     -   -     Y
POST /frameworks/{code}/{version:int}/details                            -    -     -     -    -    -     -   -     Y
GET  /frameworks/{code}/{version:int}/export                             -    Y     Y     Y    Y    Y     Y   Y     Y
POST /frameworks/{code}/{version:int}/new-version                        -    -     -     -    -    -     -   -     Y
POST /frameworks/{code}/{version:int}/publish                            -    -     -     -    -    -     -   -     Y
POST /frameworks/{code}/{version:int}/retire                             -    -     -     -    -    -     -   -     Y
POST /frameworks/{code}/{version:int}/unit/{node_id:int}/elements        -    -     -     -    -    -     -   -     Y
POST /frameworks/{code}/{version:int}/units                              -    -     -     -    -    -     -   -     Y
POST /frameworks/{code}/{version:int}/{kind}/{node_id:int}/criteria      -    -     -     -    -    -     -   -     Y
POST /frameworks/{code}/{version:int}/{kind}/{node_id:int}/delete        -    -     -     -    -    -     -   -     Y
POST /frameworks/{code}/{version:int}/{kind}/{node_id:int}/move          -    -     -     -    -    -     -   -     Y
POST /frameworks/{code}/{version:int}/{kind}/{node_id:int}/rename        -    -     -     -    -    -     -   -     Y
GET  /healthz                                                            Y    Y     Y     Y    Y    Y     Y   Y     Y
GET  /issuer                                                             Y    Y     Y     Y    Y    Y     Y   Y     Y
GET  /jobs                                                               -    -     -     -    -    -     -   -     Y
POST /jobs/run                                                           -    -     -     -    -    -     -   -     Y
# The jury's members only: panel, and reg as its president (admin sits on no demo jury).
GET  /jury/{dossier_id}                                                  -    h     h     h    h    h     Y   Y     h
POST /jury/{dossier_id}/decision                                         -    h     h     h    h    h     Y   Y     h
POST /jury/{dossier_id}/votes                                            -    h     h     h    h    h     Y   Y     h
GET  /language/{lang}                                                    Y    Y     Y     Y    Y    Y     Y   Y     Y
GET  /login                                                              Y    Y     Y     Y    Y    Y     Y   Y     Y
POST /login                                                              Y    Y     Y     Y    Y    Y     Y   Y     Y
GET  /login/code                                                         Y    Y     Y     Y    Y    Y     Y   Y     Y
POST /login/code                                                         Y    Y     Y     Y    Y    Y     Y   Y     Y
POST /login/code/check                                                   Y    Y     Y     Y    Y    Y     Y   Y     Y
POST /logout                                                             Y    Y     Y     Y    Y    Y     Y   Y     Y
# Metrics answer the machine itself or a bearer of ACQUIS_METRICS_TOKEN: to any other client they do not exist.
GET  /metrics                                                            h    h     h     h    h    h     h   h     h
GET  /moderation/{dossier_id}                                            -    h     h     h    h    h     Y   h     h
POST /moderation/{dossier_id}                                            -    h     h     h    h    h     Y   h     h
GET  /openapi.json                                                       Y    Y     Y     Y    Y    Y     Y   Y     Y
# {checklist_id} is on another dossier of asgd's; asgd keyed it in, a second person confirms it.
GET  /paper/{checklist_id}                                               -    h     h     h    h    Y     h   Y     Y
POST /paper/{checklist_id}/confirm                                       -    h     h     h    h    Y     h   Y     Y
# The candidate portal: candidates only, each their own.
GET  /portal                                                             -    Y     Y     -    -    -     -   -     -
POST /portal/check-alerts                                                -    Y     Y     -    -    -     -   -     -
GET  /portal/consents                                                    -    Y     Y     -    -    -     -   -     -
POST /portal/consents                                                    -    Y     Y     -    -    -     -   -     -
GET  /portal/dossiers/new                                                -    Y     Y     -    -    -     -   -     -
GET  /portal/dossiers/{dossier_id}                                       -    Y     h     -    -    -     -   -     -
GET  /portal/dossiers/{dossier_id}/assessment                            -    Y     h     Y    h    Y     Y   Y     Y
GET  /portal/dossiers/{dossier_id}/certificates                          -    Y     h     Y    h    Y     Y   Y     Y
GET  /portal/password                                                    -    Y     Y     -    -    -     -   -     -
POST /portal/password                                                    -    Y     Y     -    -    -     -   -     -
GET  /portal/work                                                        -    Y     Y     -    -    -     -   -     -
GET  /register                                                           Y    Y     Y     Y    Y    Y     Y   Y     Y
POST /register                                                           Y    Y     Y     Y    Y    Y     Y   Y     Y
# Self-registrations naming a registered phone or ID number; the demo has none ({conflict_id} names none).
GET  /registrations                                                      -    -     -     Y    -    -     -   Y     Y
POST /registrations/{conflict_id}/resolve                                -    -     -     h    -    -     -   h     h
# The SMS outbox for the staff who follow candidates; Kannel's callbacks need the gateway's token (none here).
GET  /sms                                                                -    -     -     Y    -    -     -   Y     Y
GET  /sms/delivery                                                       -    -     -     -    -    -     -   -     -
GET  /sms/incoming                                                       -    -     -     -    -    -     -   -     -
GET  /snapshots/{snapshot_id}.json                                       -    Y     h     Y    h    Y     Y   Y     Y
GET  /status/{list_id}                                                   Y    Y     Y     Y    Y    Y     Y   Y     Y
GET  /v/{payload}                                                        Y    Y     Y     Y    Y    Y     Y   Y     Y
GET  /verify                                                             Y    Y     Y     Y    Y    Y     Y   Y     Y
POST /verify                                                             Y    Y     Y     Y    Y    Y     Y   Y     Y
POST /work/{job_id}/remove                                               -    Y     h     Y    h    h     h   Y     Y
"""

# Bodies that reach the check of who may: an empty form would stop at a 422 before it on these routes.
FORMS = {
    "POST /api/v1/dossiers/{dossier_id}/evidence": {"kind": "photo_of_work", "description": "Mur"},
    "POST /assessments/{dossier_id}/criteria/{criterion_id}": {"verdict": "met"},
    "POST /assessments/{dossier_id}/evidence/{evidence_id}/relevance": {"relevance": "relevant"},
    "POST /assignments/{assignment_id}/declaration": {"conflict": "no"},
    "POST /candidates/{candidate_id}/work": {"country": "SA", "city": "Riyad", "employer": "Al-Bina",
                                             "job_title": "Maçon", "start_date": "2019-01-01", "tasks": "Murs"},
    "POST /dossiers/{dossier_id}/appeal": {"grounds": "La photo montre le geste de sécurité."},
    "POST /dossiers/{dossier_id}/appeal-waiver": {"statement": "Je renonce au recours."},
    "POST /dossiers/{dossier_id}/evidence": {"kind": "photo_of_work", "description": "Mur"},
    "POST /dossiers/{dossier_id}/move": {"to": "withdrawn", "reason": "Reparti travailler à l'étranger."},
    "POST /evidence/{evidence_id}/verification": {"verification": "verified"},
    "POST /moderation/{dossier_id}": {"outcome": "agree"},
    "POST /work/{job_id}/remove": {"candidate_id": "{candidate_id}"},
}
FILES = {route: {"file": ("mur.jpg", sample_jpeg("mur"), "image/jpeg")}
         for route in ("POST /dossiers/{dossier_id}/evidence", "POST /api/v1/dossiers/{dossier_id}/evidence")}


def declared() -> dict[str, dict[str, str]]:
    """MATRIX as {"METHOD /path": {role: symbol}}."""
    table: dict[str, dict[str, str]] = {}
    lines = [line.split("#")[0].split() for line in MATRIX.strip().splitlines()]
    lines = [line for line in lines if line]
    header, rows = lines[0], lines[1:]
    assert header == list(ROLES), "MATRIX's header must name the ROLES, in order"
    for row in rows:
        method, path, *symbols = row
        assert len(symbols) == len(ROLES) and set(symbols) <= {"Y", "-", "h"}, f"MATRIX row for {method} {path}"
        assert f"{method} {path}" not in table, f"{method} {path} is declared twice"
        table[f"{method} {path}"] = dict(zip(ROLES, symbols, strict=True))
    return table


# Called by a machine with a token in the query, not by a person: without it, 403 for anyone (no login helps).
TOKEN_CALLBACKS = ("/sms/delivery", "/sms/incoming")


def answer(role: str, path: str, response: Response) -> str:
    """What the role got, in MATRIX's words; anything else (a server error, a refusal of the wrong kind)
    as the status itself, which matches no declaration."""
    status = response.status_code
    api = path.startswith("/api/")
    if status >= 500:
        return f"{status} (server error)"
    if role == "anon" and (status == 401 if api else is_login_redirect(response)):
        return "-"
    if role != "anon" and status == 403:
        return "-"
    if path in TOKEN_CALLBACKS and status == 403:
        return "-"
    if status == 404:
        return "h"
    if status in (401, 403) or is_login_redirect(response):
        return f"{status} {response.headers.get('location', '')}".strip()
    return "Y"


def body(route: str, parameters: dict[str, Any]) -> dict[str, Any]:
    form = {name: fill(value, parameters) for name, value in FORMS.get(route, {}).items()}
    return {"data": form or None, "files": FILES.get(route)}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo seeded once per database engine; each role works on its own copy."""
    with demo_database(request, request.param, tmp_path_factory.mktemp("demo")) as seeded_demo:
        yield seeded_demo


def test_every_route_answers_each_role_as_the_matrix_declares(demo: Demo, tmp_path: Path) -> None:
    """Pages and forms in the role's browser, and the JSON API with the role's bearer token too; every
    difference from MATRIX is listed, not only the first."""
    table = declared()
    mismatches: list[str] = []
    for role, login in ROLES.items():
        with caller(demo, login, tmp_path / role) as who:
            mismatches += differences(role, who, table)
    assert not mismatches, f"{len(mismatches)} answers differ from MATRIX:\n  " + "\n  ".join(mismatches)


def differences(role: str, who: Caller, table: dict[str, dict[str, str]]) -> list[str]:
    """Every route called once by this role (and once more by its script, on /api/), compared with MATRIX."""
    app = app_of(who.browser)
    with Session(app.state.engine) as session:
        parameters = demo_parameters(session)
    found = []
    for method, path in in_order(app):
        route = f"{method} {path}"
        if route not in table:
            continue  # test_every_route_is_declared_in_the_matrix names it
        url, sent = fill(path, parameters), body(route, parameters)
        attempts = [("", who.browse(method, url, **sent))]
        if who.script is not None and path.startswith("/api/"):
            attempts.append((" with its bearer token", who.run(method, url, **sent)))
        for how, response in attempts:
            got = answer(role, path, response)
            if got != table[route][role]:
                found.append(f"{role}{how}: {route} declared {table[route][role]}, got {got} ({response.status_code})")
    return found


def test_every_route_is_declared_in_the_matrix(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/a.db", secret_key="t"))
    found = {f"{method} {path}" for method, path in routes(app)}
    table = declared()
    missing = sorted(found - set(table))
    assert not missing, ("routes nobody declared: add each to MATRIX in tests/product/test_authorization.py, saying "
                         "who may call it:\n  " + "\n  ".join(missing))
    assert not set(table) - found, f"MATRIX declares routes the app no longer has: {sorted(set(table) - found)}"
