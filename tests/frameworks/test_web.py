"""Framework pages and the read API, as staff, candidates and integrations see them."""

import json
import re
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from acquis.auth import service as auth_service
from acquis.auth.models import Role
from tests.support.frameworks import PLUMBER, load_demo, writing
from tests.support.web import UserFactory, csrf_from, log_in
from validation.frameworks import service, transfer, tree
from validation.frameworks.importers import Format

HTMX = {"HX-Request": "true"}


@pytest.fixture
def admin(client: TestClient, users: UserFactory, app: FastAPI) -> str:
    """An admin logged in on `client`, with the demo frameworks; returns a CSRF token."""
    users(Role.ADMIN, login="admin")
    load_demo(app)
    log_in(client, "admin")
    return csrf_from(client.get("/frameworks").text)


def ids(html: str, kind: str) -> list[int]:
    return [int(found) for found in re.findall(rf'id="{kind}-(\d+)"', html)]


def draft_of_mason(client: TestClient, token: str) -> str:
    """Open the next version of the mason framework as an admin would; returns its page."""
    response = client.post("/frameworks/DEMO-MAC-01/1/new-version", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/frameworks/DEMO-MAC-01/2")
    return client.get("/frameworks/DEMO-MAC-01/2").text


# --- list and search -----------------------------------------------------------------------------------


def test_staff_find_frameworks_by_code_title_or_isco_code(client: TestClient, admin: str) -> None:
    page = client.get("/frameworks")
    assert page.status_code == 200
    assert re.findall(r'data-code="([^"]+)"', page.text) == ["DEMO-EDM-01", "DEMO-ELB-01", "DEMO-MAC-01", "DEMO-PL-01"]
    assert "17 critères" in page.text and 'id="import-form"' in page.text
    for query, codes in [("7411", ["DEMO-ELB-01"]), ("maçon", ["DEMO-MAC-01"]), ("pl-01", ["DEMO-PL-01"]),
                         ("driver", ["DEMO-PL-01"]), ("100%", [])]:
        found = client.get("/frameworks", params={"q": query}, headers=HTMX)
        assert found.text.lstrip().startswith('<div id="framework-rows"'), "htmx gets the rows alone"
        assert re.findall(r'data-code="([^"]+)"', found.text) == codes, query
    assert "Aucun référentiel ne correspond" in client.get("/frameworks", params={"q": "100%"}).text
    assert 'id="frameworks-link"' in client.get("/").text


def test_candidates_read_published_versions_but_never_drafts_or_edit_controls(
    client: TestClient, admin: str, users: UserFactory, app: FastAPI
) -> None:
    draft_of_mason(client, admin)
    users(Role.CANDIDATE, login="awa")
    candidate = TestClient(app)
    log_in(candidate, "awa")
    listing = candidate.get("/frameworks").text
    assert "v1" in listing and "/frameworks/DEMO-MAC-01/2" not in listing and 'id="import-form"' not in listing
    page = candidate.get("/frameworks/DEMO-MAC-01/1")
    assert page.status_code == 200 and "Porte casque" in page.text
    assert "Renommer" not in page.text and 'id="new-version"' not in page.text
    assert candidate.get("/frameworks/DEMO-MAC-01/2").status_code == 404
    current = candidate.get("/frameworks/DEMO-MAC-01", follow_redirects=False)
    assert current.headers["location"].endswith("/frameworks/DEMO-MAC-01/1")  # the version in force
    token = csrf_from(page.text)  # the log-out form's
    refused = candidate.post("/frameworks/DEMO-MAC-01/2/publish", data={"csrf_token": token})
    assert refused.status_code == 403
    assert TestClient(app).get("/frameworks", follow_redirects=False).status_code == 303  # to the login page


# --- published versions refuse edits ---------------------------------------------------------------------


def test_a_forced_edit_of_a_published_version_answers_409_and_changes_nothing(client: TestClient, admin: str) -> None:
    page = client.get("/frameworks/DEMO-MAC-01/1").text
    assert 'id="published-note"' in page and "Renommer" not in page and "Ajouter une unité" not in page
    criterion = ids(page, "criterion")[0]
    for headers in ({}, HTMX):
        response = client.post(f"/frameworks/DEMO-MAC-01/1/criterion/{criterion}/rename", headers=headers,
                               data={"csrf_token": admin, "fr": "Texte changé"})
        assert response.status_code == 409
        assert "Cette version est publiée ou retirée : elle ne change plus." in response.text
    add = client.post("/frameworks/DEMO-MAC-01/1/units", data={"csrf_token": admin, "node_code": "X", "fr": "X"})
    assert add.status_code == 409
    assert "Texte changé" not in client.get("/frameworks/DEMO-MAC-01/1").text


# --- editing a draft ---------------------------------------------------------------------------------------


def test_admin_edits_a_draft_inline_with_htmx_and_without_javascript(client: TestClient, admin: str) -> None:
    page = draft_of_mason(client, admin)
    assert 'id="draft-note"' in page and 'id="publish"' in page
    first, second = ids(page, "criterion")[:2]
    renamed = client.post(f"/frameworks/DEMO-MAC-01/2/criterion/{first}/rename", headers=HTMX,
                          data={"csrf_token": admin, "fr": "Porte le casque en permanence", "en": "Always wears"})
    assert renamed.status_code == 200
    assert renamed.text.lstrip().startswith('<div id="framework-tree"') and "<html" not in renamed.text
    assert "Porte le casque en permanence" in renamed.text
    # Without JavaScript the same form posts and the browser is sent back to the node it changed.
    marked = client.post(f"/frameworks/DEMO-MAC-01/2/criterion/{second}/critical",
                         data={"csrf_token": admin, "critical": "false"}, follow_redirects=False)
    assert marked.status_code == 303
    assert marked.headers["location"].endswith(f"/frameworks/DEMO-MAC-01/2#criterion-{second}")
    page = client.get("/frameworks/DEMO-MAC-01/2").text
    assert re.search(rf'id="criterion-{second}"[^>]*data-critical="false"', page)
    assert "5 unités · 8 éléments · 17 critères, dont 1 critiques" in page
    duplicate = {"csrf_token": admin, "node_code": "MAC-U1", "fr": "Doublon"}
    inline = client.post("/frameworks/DEMO-MAC-01/2/units", headers=HTMX, data=duplicate)
    assert inline.status_code == 200 and "Le code MAC-U1 existe déjà dans cette version." in inline.text
    plain = client.post("/frameworks/DEMO-MAC-01/2/units", data=duplicate)
    assert plain.status_code == 422 and 'id="edit-error"' in plain.text
    unit = ids(page, "unit")[4]
    deleted = client.post(f"/frameworks/DEMO-MAC-01/2/unit/{unit}/delete", headers=HTMX, data={"csrf_token": admin})
    assert "4 unités · 7 éléments · 15 critères" in deleted.text
    moved = client.post(f"/frameworks/DEMO-MAC-01/2/unit/{ids(page, 'unit')[1]}/move", headers=HTMX,
                        data={"csrf_token": admin, "direction": "up"})
    assert re.findall(r'class="unit" data-code="([^"]+)"', moved.text) == ["MAC-U2", "MAC-U1", "MAC-U3", "MAC-U4"]


def test_publishing_a_draft_then_retiring_the_old_version(client: TestClient, admin: str, session: Session) -> None:
    draft_of_mason(client, admin)
    published = client.post("/frameworks/DEMO-MAC-01/2/publish", data={"csrf_token": admin}, follow_redirects=False)
    assert published.status_code == 303
    page = client.get("/frameworks/DEMO-MAC-01/2").text
    assert 'data-status="published"' in page and "Renommer" not in page
    assert client.post("/frameworks/DEMO-MAC-01/2/publish", data={"csrf_token": admin}).status_code == 409
    client.post("/frameworks/DEMO-MAC-01/1/retire", data={"csrf_token": admin})
    assert [(v.version, v.status.value) for v in service.versions(session, "DEMO-MAC-01")] == [
        (1, "retired"), (2, "published")]


def test_compare_page_lists_added_removed_and_changed_nodes(client: TestClient, admin: str) -> None:
    page = draft_of_mason(client, admin)
    criteria, units, elements = ids(page, "criterion"), ids(page, "unit"), ids(page, "element")
    client.post(f"/frameworks/DEMO-MAC-01/2/criterion/{criteria[2]}/critical", data={"csrf_token": admin,
                                                                                     "critical": "true"})
    client.post(f"/frameworks/DEMO-MAC-01/2/unit/{units[4]}/delete", data={"csrf_token": admin})
    client.post(f"/frameworks/DEMO-MAC-01/2/element/{elements[0]}/criteria",
                data={"csrf_token": admin, "node_code": "MAC-U1-E1-C3", "fr": "Balise la zone de travail"})
    compared = client.get("/frameworks/DEMO-MAC-01/compare", params={"old": 1, "new": 2})
    assert compared.status_code == 200
    sections = {name: re.findall(r'<tr data-code="([^"]+)"', table) for name, table in
                re.findall(r'<table id="(added|removed|changed)">(.*?)</table>', compared.text, re.S)}
    assert sections == {"added": ["MAC-U1-E1-C3"], "removed": ["MAC-U5", "MAC-U5-E1", "MAC-U5-E1-C1", "MAC-U5-E1-C2"],
                        "changed": ["MAC-U1-E2-C1"]}
    assert "Balise la zone de travail" in compared.text and "critique" in compared.text
    assert "Ajouts (1)" in compared.text and "Suppressions (4)" in compared.text
    same = client.get("/frameworks/DEMO-ELB-01/compare")
    assert same.status_code == 200 and 'id="no-difference"' in same.text


# --- import and export -----------------------------------------------------------------------------------------


def test_import_by_upload_takes_a_good_file_and_refuses_a_bad_one_whole(client: TestClient, admin: str) -> None:
    ok = client.post("/frameworks/import", data={"csrf_token": admin, "publish": "true"},
                     files={"file": ("plombier.json", PLUMBER.read_bytes(), "application/json")})
    assert ok.status_code == 200
    assert "PLOMBIER-SANITAIRE-NIVEAU-3-FICTIF v1" in ok.text and "créée" in ok.text and "publiée" in ok.text
    bad = b"framework_code,parent_code,code,node_type\nF1,,F1,framework\n"
    refused = client.post("/frameworks/import", data={"csrf_token": admin},
                          files={"file": ("C:\\Users\\awa\\sheet.csv", bad, "text/csv")})
    assert refused.status_code == 422
    assert re.search(r'id="import-error">sheet\.csv: line 1: missing columns: title_fr', refused.text)
    assert len(re.findall(r'<tr id="framework-', refused.text)) == 5


def test_exports_download_in_the_three_formats(client: TestClient, admin: str, app: FastAPI) -> None:
    for fmt, name, media in [("yaml", "DEMO-EDM-01-v1.yaml", "application/yaml"),
                             ("csv", "DEMO-EDM-01-v1.csv", "text/csv"),
                             ("case", "DEMO-EDM-01-v1.json", "application/json")]:
        response = client.get("/frameworks/DEMO-EDM-01/1/export", params={"format": fmt})
        assert response.status_code == 200 and response.headers["content-type"].startswith(media)
        assert f'filename="{name}"' in response.headers["content-disposition"]
        with writing(app) as session:
            assert response.content == transfer.export(session, ["DEMO-EDM-01"], version=1, format=cast(Format, fmt))
    assert client.get("/frameworks/DEMO-EDM-01/9/export").status_code == 404


# --- the read API ------------------------------------------------------------------------------------------------


def test_read_api_gives_published_frameworks_to_any_authenticated_caller(
    client: TestClient, admin: str, app: FastAPI, users: UserFactory
) -> None:
    draft_of_mason(client, admin)
    candidate = users(Role.CANDIDATE, login="awa")
    with writing(app) as session:
        token = auth_service.issue_api_token(session, candidate, days=1, by=None)
        session.commit()
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    listed = api.get("/api/v1/frameworks").json()
    assert [(f["code"], f["version"], f["units"], f["criteria"]) for f in listed] == [
        ("DEMO-EDM-01", 1, 4, 11), ("DEMO-ELB-01", 1, 5, 13), ("DEMO-MAC-01", 1, 5, 17), ("DEMO-PL-01", 1, 4, 0)]
    assert listed[2]["versions"] == [{"version": 1, "status": "published"}]
    mason = api.get("/api/v1/frameworks/DEMO-MAC-01").json()
    summary = (mason["code"], mason["version"], mason["status"], mason["isco08"])
    assert summary == ("DEMO-MAC-01", 1, "published", "7112")
    assert [u["code"] for u in mason["units"]] == ["MAC-U1", "MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"]
    first = mason["units"][0]["elements"][0]["criteria"][0]
    assert (first["code"], first["critical"], first["fr"][:12]) == ("MAC-U1-E1-C1", True, "Porte casque")
    assert api.get("/api/v1/frameworks/DEMO-MAC-01", params={"version": 1}).json()["version"] == 1
    assert api.get("/api/v1/frameworks/DEMO-MAC-01", params={"version": 2}).status_code == 404  # a draft
    staff = client.get("/api/v1/frameworks/DEMO-MAC-01", params={"version": 2})
    assert staff.status_code == 200 and staff.json()["status"] == "draft"
    missing = api.get("/api/v1/frameworks/NOPE")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "framework-not-found"
    anonymous = TestClient(app).get("/api/v1/frameworks")
    assert anonymous.status_code == 401 and json.loads(anonymous.text)["error"]["code"] == "login-required"


def test_the_tree_page_shows_units_elements_and_criteria_in_order_with_counts(
    client: TestClient, admin: str, app: FastAPI
) -> None:
    page = client.get("/frameworks/DEMO-MAC-01/1").text
    assert "5 unités · 8 éléments · 17 critères, dont 2 critiques" in page
    with writing(app) as session:
        expected = [n.code for _, _, n, _ in tree.read(session, service.current(session, "DEMO-MAC-01")).nodes()]
    shown = re.findall(r'class="(?:unit|element|node criterion)" data-code="([^"]+)"', page)
    assert sorted(shown) == sorted(expected) and shown[:3] == ["MAC-U1", "MAC-U1-E1", "MAC-U1-E1-C1"]
    assert "7112" in page and "12 mois" in page
