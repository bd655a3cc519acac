"""Evidence PDFs that would act when opened are refused, however they hide it; plain ones are accepted."""

import io

import pikepdf
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis.auth.models import Role
from acquis.config import Settings
from tests.support import hostile
from tests.support.dossiers import bearer, make_dossier, publish_framework, stored_files
from tests.support.web import UserFactory
from validation.dossiers.models import Evidence
from validation.dossiers.seed import sample_pdf

# What the reader is told, by the way the PDF would act.
REASONS = {
    "escaped-javascript-name": "du code (JavaScript)",
    "javascript-behind-a-comment": "du code (JavaScript)",
    "javascript-in-an-object-stream": "du code (JavaScript)",
    "uri-on-open": "appelle une adresse internet dès qu'il est ouvert",
    "launch": "lance un programme",
    "embedded-file": "fichiers joints",
    "xfa": "formulaire XFA",
}


@pytest.fixture
def setup(session: Session, settings: Settings, users: UserFactory) -> dict[str, object]:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    return {"url": f"/api/v1/dossiers/{dossier.id}/evidence", "headers": bearer(session, counsellor)}


def upload(client: TestClient, setup: dict[str, object], name: str, data: bytes) -> dict:
    response = client.post(setup["url"], headers=setup["headers"],
                           files={"file": (name, data, "application/pdf")},
                           data={"kind": "payslip", "description": "Bulletin de paie"})
    return {"status": response.status_code, **response.json()}


@pytest.mark.parametrize("case", hostile.ACTIVE_PDFS)
def test_a_pdf_that_would_act_when_opened_is_refused_and_says_why(client: TestClient, session: Session,
                                                                  settings: Settings, setup: dict, case: str) -> None:
    answer = upload(client, setup, "bulletin.pdf", hostile.ACTIVE_PDFS[case]())
    assert answer["status"] == 415 and answer["error"]["code"] == "active-content", answer
    assert REASONS[case] in answer["error"]["message"]
    assert stored_files(settings) == [] and session.exec(select(Evidence)).all() == []


def test_plain_pdfs_and_links_a_reader_clicks_are_accepted(client: TestClient, setup: dict) -> None:
    for data in (sample_pdf("Bulletin de paie"), hostile.link_on_click()):
        assert upload(client, setup, "bulletin.pdf", data)["status"] == 201


def test_a_pdf_bomb_is_refused_as_evidence_too(client: TestClient, setup: dict) -> None:
    """Nobody draws evidence on the server, but an assessor's viewer would: it is refused before that."""
    for data in (hostile.nested_forms(), hostile.huge_image_pdf(20000)):
        answer = upload(client, setup, "bulletin.pdf", data)
        assert answer["status"] == 422 and answer["error"]["code"] == "file-too-complex"


def test_a_pdf_locked_by_a_password_is_refused_with_why(client: TestClient, setup: dict) -> None:
    locked = io.BytesIO()
    with pikepdf.open(io.BytesIO(sample_pdf("x"))) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    answer = upload(client, setup, "bulletin.pdf", locked.getvalue())
    assert answer["status"] == 422 and answer["error"]["code"] == "protected-pdf"
    assert "mot de passe" in answer["error"]["message"]


BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_file_names_lose_the_bidirectional_controls_that_disguise_them(client: TestClient, setup: dict) -> None:
    # After U+202E, "fdp.exe" shows right to left as "exe.pdf": the controls are dropped, the name shows as sent.
    answer = upload(client, setup, f"bulletin{BIDI_CONTROLS}fdp.exe.pdf", sample_pdf("x"))
    assert answer["status"] == 201
    listed = client.get(setup["url"], headers=setup["headers"]).json()
    assert [item["original_name"] for item in listed] == ["bulletinfdp.exe.pdf"]
