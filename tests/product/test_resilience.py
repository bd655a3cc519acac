"""Crashes and races: the real server killed (SIGKILL) in the middle of a bulk issuance or of an evidence
upload leaves nothing half done (no file without its row, no row without its file, no temp file) and
resumes; two assessors saving the same criterion at once lose nothing silently."""

import hashlib
import socket
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from sqlmodel import Session, col, select

from acquis.audit import AuditEvent
from acquis.auth.models import User
from acquis.config import Settings
from acquis.db import utcnow
from acquis.storage import Recovered, Store
from assessors import unit_results
from assessors.models import CriterionJudgement
from certificates import keystore
from certificates.offline_verification import verify_seal_text
from tests.support.assessors import assigned, scheduled
from tests.support.certificates import acquis, with_key
from tests.support.dossiers import bearer
from tests.support.resilience import (
    PATIENCE,
    Server,
    assert_store_matches_rows,
    certificates,
    crew,
    decided_dossiers,
    frozen,
    leftovers,
    objects,
    open_dossier,
    row_locked,
    serving,
    wait_for,
)
from tests.support.web import PASSWORD, UserFactory, csrf_from, log_in, post_form
from validation.dossiers import service
from validation.dossiers.models import AccessPurpose, Dossier, Evidence, EvidenceFile
from validation.dossiers.status import DossierStatus

VIDEO_BYTES = 16 * 1024 * 1024  # large enough that the server spools it to disk and takes a moment to store it


def in_background(send: Callable[[], httpx.Response]) -> Future[httpx.Response]:
    """A request whose answer we do not wait for (the server will die before it can give one)."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(send)
    pool.shutdown(wait=False)
    return future


# --- the store and the transaction -------------------------------------------------------------------


def test_a_transaction_that_does_not_commit_takes_its_files_with_it(app: FastAPI, settings: Settings) -> None:
    store = app.state.store
    with Session(app.state.engine) as writing:
        photo = store.put_bytes(b"photo du chantier", session=writing)
        with writing.begin_nested():  # a savepoint released on the way, as an evidence upload takes one
            payslip = store.put_bytes(b"fiche de paie", session=writing)
        assert store.exists(photo.sha256) and store.exists(payslip.sha256)
        writing.rollback()
    assert not store.exists(photo.sha256) and not store.exists(payslip.sha256)
    with Session(app.state.engine) as writing:
        contract = store.put_bytes(b"contrat de travail", session=writing)
        writing.commit()
    assert store.exists(contract.sha256) and leftovers(settings) == []


def test_recovery_removes_what_dead_writers_left_and_keeps_what_rows_name_or_live_transactions_hold(
        app: FastAPI, session: Session, settings: Settings) -> None:
    store = app.state.store
    named, orphan = store.put_bytes(b"attestation de l'employeur"), store.put_bytes(b"jamais enregistre")
    session.add(EvidenceFile(sha256=named.sha256, size=named.size, media_type="application/pdf"))
    session.commit()
    # What a process killed in the middle of a transaction leaves: a journal and a temp file nobody holds.
    # It may have died just after its commit: the journal then lists a file a row names.
    store.journals.mkdir(parents=True, exist_ok=True)
    (store.journals / "tx-killed").write_text(f"{named.sha256}\n{orphan.sha256}\n")
    (store.tmp / "upload-killed").write_bytes(b"la moitie d'une video")
    with Session(app.state.engine) as other_worker:  # a transaction still open elsewhere: never touched
        in_flight = store.put_bytes(b"en cours d'envoi", session=other_worker)
        assert store.recover() == Recovered(temporary=1, unreferenced=1)
        assert store.exists(named.sha256) and store.exists(in_flight.sha256) and not store.exists(orphan.sha256)
        other_worker.commit()
    assert store.exists(in_flight.sha256) and leftovers(settings) == []
    assert store.recover() == Recovered(temporary=0, unreferenced=0)


# --- bulk issuance ------------------------------------------------------------------------------------


def test_server_killed_during_bulk_issuance_leaves_nothing_half_issued_and_the_run_resumes(
        session: Session, settings: Settings, users: UserFactory) -> None:
    decided = decided_dossiers(session, settings, users, 5)
    first, *rest = decided
    with_key(session, settings)
    with serving(settings) as server, \
            httpx.Client(base_url=server.url, timeout=PATIENCE) as registrar:
        log_in(registrar, "registrar")
        by_hand = post_form(registrar, f"/dossiers/{first}/certificate", {}, page=f"/dossiers/{first}")
        assert by_hand.status_code == 303
        issued_by_hand = [cert.number for cert in certificates(session)]
        assert len(issued_by_hand) == 1
        photo = session.exec(select(Evidence.id)).first()
        assert registrar.get(f"/evidence/{photo}/thumbnail").status_code == 200  # thumbnails are in the store too
        before = objects(settings)

        token = csrf_from(registrar.get("/certificates/issue/pending").text)
        # PostgreSQL: the run cannot commit while we hold the last dossier it certifies. SQLite: we stop it
        # the moment its first PDF is in the store; either way it dies with PDFs stored and no row committed.
        with row_locked(settings, "dossier", rest[-1]):
            run = in_background(lambda: registrar.post("/certificates/issue/pending", timeout=None, data={
                "framework": "", "csrf_token": token}))
            wait_for(lambda: objects(settings) - before, what="the run stores its first PDF")
            server.pause()
            stored_by_the_dying_run = objects(settings) - before
            assert len(certificates(session)) == 1, "the run committed before the kill: nothing to recover"
            server.kill()
        assert isinstance(run.exception(timeout=60), httpx.TransportError)  # the registrar's page got no answer
        assert stored_by_the_dying_run

        server.start()
        assert objects(settings) == before  # the dead run's PDFs are gone: no file without its row
        assert [cert.number for cert in certificates(session)] == issued_by_hand
        assert_store_matches_rows(session, settings)

        again = post_form(registrar, "/certificates/issue/pending", {"framework": ""},
                          page="/certificates/issue/pending")
        assert again.status_code == 303
        done = registrar.get(again.headers["location"])
        assert 'id="nothing-pending"' in done.text and 'value="4" max="4"' in done.text
        for cert in certificates(session):
            download = registrar.get(f"/certificates/{cert.number}.pdf")
            assert download.status_code == 200 and download.content.startswith(b"%PDF-")

    issued = certificates(session)
    assert sorted(cert.decision_ref for cert in issued) == sorted(str(decision) for decision in decided.values())
    assert len({cert.number for cert in issued}) == 5 and issued[0].number == issued_by_hand[0]
    trust = keystore.trust_list(session, settings=settings)
    assert {verify_seal_text(cert.qr_text, trust, now=utcnow())["verdict"] for cert in issued} == {"valid"}
    # A partial decision's certificate leaves its appeal window open (decided today): "partially certified".
    by_ref = {cert.decision_ref: cert for cert in issued}
    expected = {dossier_id: DossierStatus.PARTIALLY_CERTIFIED if by_ref[str(decision)].decision == "partial"
                else DossierStatus.CERTIFIED for dossier_id, decision in decided.items()}
    assert {d.id: d.status for d in session.exec(select(Dossier).where(col(Dossier.id).in_(list(decided))))} == expected
    assert_store_matches_rows(session, settings)
    audit = acquis(settings, "audit", "verify")
    assert audit.returncode == 0, audit.stderr


# --- evidence uploads ---------------------------------------------------------------------------------


def video(seed: int) -> bytes:
    """An MP4 as the content check sees it (ISO base media header, brand isom), `VIDEO_BYTES` long."""
    header = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    filler = hashlib.sha256(str(seed).encode()).digest() * (VIDEO_BYTES // 32)
    return header + filler[: VIDEO_BYTES - len(header)]


def multipart(data: bytes) -> tuple[bytes, str]:
    """The body a phone sends for one video of work: text fields first, then the file."""
    boundary = f"acquis-{uuid.uuid4().hex}"
    fields = {"kind": "video_of_work", "description": "Coulage d'une dalle, Riyad"}
    head = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                    for name, value in fields.items())
    file_head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="dalle.mp4"\r\n'
                 "Content-Type: video/mp4\r\n\r\n").encode()
    return head + file_head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(server: Server, dossier_id: int, token: dict[str, str], data: bytes) -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/dossiers/{dossier_id}/evidence", headers=token, timeout=60,
                      data={"kind": "video_of_work", "description": "Coulage d'une dalle, Riyad"},
                      files={"file": ("dalle.mp4", data, "video/mp4")})


def evidence_of(session: Session, dossier_id: int) -> list[Evidence]:
    session.expire_all()
    return list(session.exec(select(Evidence).where(Evidence.dossier_id == dossier_id)))


def assert_recovered_and_uploading_works(session: Session, settings: Settings, server: Server, dossier_id: int,
                                         token: dict[str, str], before: set[str]) -> None:
    """After the restart: nothing of the dead upload (no item, no file, no temp file, nothing spooled), the
    dossier page works, and the same file uploads whole."""
    assert evidence_of(session, dossier_id) == [] and objects(settings) == before
    assert_store_matches_rows(session, settings)
    assert list(server.tmp.iterdir()) == []
    listing = httpx.get(f"{server.url}/api/v1/dossiers/{dossier_id}/evidence", headers=token)
    assert listing.status_code == 200 and listing.json() == []
    with httpx.Client(base_url=server.url) as counsellor:
        log_in(counsellor, "counsellor")
        page = counsellor.get(f"/dossiers/{dossier_id}")
        assert page.status_code == 200 and 'id="evidence-list"' in page.text
    data = video(dossier_id)
    again = upload(server, dossier_id, token, data)
    assert again.status_code == 201, again.text
    assert again.json()["sha256"] == hashlib.sha256(data).hexdigest() and again.json()["size"] == VIDEO_BYTES
    assert [item.sha256 for item in evidence_of(session, dossier_id)] == [again.json()["sha256"]]
    assert_store_matches_rows(session, settings)


def test_server_killed_while_receiving_an_upload_keeps_nothing_of_it(
        session: Session, settings: Settings, users: UserFactory) -> None:
    c = crew(session, users)
    dossier = open_dossier(session, settings, c, 1)
    token = bearer(session, c.counsellor)
    body, content_type = multipart(video(dossier.id))
    with serving(settings) as server:
        before = objects(settings)
        with socket.create_connection(("127.0.0.1", server.port)) as phone:
            phone.sendall((f"POST /api/v1/dossiers/{dossier.id}/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           f"Authorization: {token['Authorization']}\r\nContent-Type: {content_type}\r\n"
                           f"Content-Length: {len(body)}\r\n\r\n").encode())
            phone.sendall(body[: len(body) // 2])  # a slow phone line: half the video is through
            wait_for(lambda: any(name.startswith(str(server.tmp)) for name in server.open_files()),
                     what="the server spools the upload to disk")
            server.kill()
        server.start()
        assert_recovered_and_uploading_works(session, settings, server, dossier.id, token, before)


@pytest.mark.parametrize("moment", ["while-writing-the-file", "file-stored-item-not-committed"])
def test_server_killed_while_storing_an_upload_keeps_no_file_without_its_item(
        session: Session, settings: Settings, users: UserFactory, moment: str) -> None:
    c = crew(session, users)
    dossier = open_dossier(session, settings, c, 1)
    token = bearer(session, c.counsellor)
    data = video(dossier.id)
    sha256 = hashlib.sha256(data).hexdigest()
    store = Store(settings.data_dir / "files")
    with serving(settings) as server:
        before = objects(settings)
        # PostgreSQL: the item cannot be recorded while we hold the audit chain's head, which the upload appends to.
        with row_locked(settings, "audit_head", 1):
            sent = in_background(lambda: upload(server, dossier.id, token, data))
            writing = moment == "while-writing-the-file"
            if writing:
                wait_for(lambda: any(store.tmp.glob("upload-*")), what="the server writes the upload into the store")
            else:
                wait_for(lambda: store.exists(sha256), what="the upload is in the store")
            server.pause()
            assert evidence_of(session, dossier.id) == [], "the item was committed before the kill"
            assert store.exists(sha256) is not writing, "the kill did not come at the moment wanted"
            server.kill()
        assert isinstance(sent.exception(timeout=60), httpx.TransportError)
        server.start()
        assert_recovered_and_uploading_works(session, settings, server, dossier.id, token, before)


# --- two assessors, one criterion -----------------------------------------------------------------------

STALE = "Quelqu'un d'autre a modifié ce critère entre-temps"


def two_assessors(session: Session, settings: Settings, users: UserFactory) -> tuple[int, int, int]:
    """A one-unit dossier scored by two assessors (both assigned, no conflict declared, a session held);
    returns the dossier, its unit and the unit's first criterion."""
    c = frozen(session, settings, crew(session, users), 1)
    scheduled(session, c)
    assigned(session, c, c.moderator, AccessPurpose.ASSESS)  # "assessor2": a panel may have several assessors
    unit = service.units(session, c.dossier.id)[0]
    return c.dossier.id, unit.id, unit_results.criteria_of(session, unit.id)[0].id


def judgement(session: Session, criterion_id: int) -> CriterionJudgement:
    session.expire_all()
    return session.exec(select(CriterionJudgement).where(CriterionJudgement.criterion_id == criterion_id)).one()


def saves_in_audit(session: Session, dossier_id: int) -> list[tuple[str, str, int]]:
    """Every save of a judgement the audit chain holds: who, which verdict, which version."""
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "assessment.judged",
                                                   AuditEvent.entity_id == str(dossier_id))
                          .order_by(col(AuditEvent.seq)))
    # The chain keeps role and id only.
    logins: dict[int | None, str] = {user.id: user.login for user in session.exec(select(User))}
    return [(logins[event.actor_id], event.detail["verdict"], event.detail["version"]) for event in events]


@pytest.mark.browser
def test_two_assessors_saving_one_criterion_at_once_the_later_is_refused_and_shown_the_saved_verdict(
        browser: Browser, live_url: str, session: Session, settings: Settings, users: UserFactory) -> None:
    dossier_id, unit_id, criterion_id = two_assessors(session, settings, users)
    pages = []
    for login in ("assessor", "assessor2"):  # two phones, each with the scoring page open
        page = browser.new_context(locale="fr-ML").new_page()
        page.goto(f"{live_url}/login")
        page.fill("#login", login)
        page.fill("#password", PASSWORD)
        page.click("main button.primary")
        page.wait_for_selector("#welcome")
        page.goto(f"{live_url}/assessments/{dossier_id}/units/{unit_id}")
        pages.append(page)
    first, second = pages
    form = f"#criterion-{criterion_id}"

    # One click each (check() would click again if the answer replaced the radio before it looked).
    first.click(f"{form} input[name=verdict][value=met]")
    first.wait_for_selector(f"{form}-state [data-version='1'][data-verdict=met]")
    second.click(f"{form} input[name=verdict][value=not_yet_met]")  # on the page loaded before that save
    alert = second.wait_for_selector(f"#criterion-{criterion_id}-error")
    assert STALE in alert.inner_text()
    assert second.is_checked(f"{form} input[name=verdict][value=met]")  # what is saved now, shown in place
    assert second.get_attribute(f"{form}-state [data-version]", "data-version") == "1"
    assert (judgement(session, criterion_id).verdict.value, judgement(session, criterion_id).version) == ("met", 1)

    # Having seen the first assessor's verdict, the second one changes it on purpose: that save goes through.
    second.click(f"{form} input[name=verdict][value=not_yet_met]")
    second.wait_for_selector(f"{form}-state [data-version='2'][data-verdict=not_yet_met]")
    assert saves_in_audit(session, dossier_id) == [("assessor", "met", 1), ("assessor2", "not_yet_met", 2)]


def test_without_javascript_a_stale_save_by_someone_else_is_refused_and_ones_own_later_save_wins(
        app: FastAPI, client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    dossier_id, unit_id, criterion_id = two_assessors(session, settings, users)
    screen = f"/assessments/{dossier_id}/units/{unit_id}"
    save = f"/assessments/{dossier_id}/criteria/{criterion_id}"
    with TestClient(app) as other_phone, TestClient(app) as second_tab:
        log_in(client, "assessor")
        log_in(second_tab, "assessor")
        log_in(other_phone, "assessor2")
        loaded = {browser: csrf_from(browser.get(screen).text) for browser in (client, second_tab, other_phone)}

        def press(browser: TestClient, verdict: str) -> httpx.Response:
            """Save a verdict from the page as it was loaded (version 0), without JavaScript."""
            return browser.post(save, data={"verdict": verdict, "version": "0", "csrf_token": loaded[browser]},
                                follow_redirects=False)

        assert press(client, "met").status_code == 303
        refused = press(other_phone, "not_yet_met")
        assert refused.status_code == 409 and STALE in refused.text.replace("&#39;", "'")
        assert f'id="criterion-{criterion_id}-error"' in refused.text
        assert 'value="met" checked' in refused.text  # the saved verdict, shown where the refused one was
        assert press(second_tab, "not_observed").status_code == 303  # the same assessor's later save wins

    assert (judgement(session, criterion_id).verdict.value, judgement(session, criterion_id).version) == (
        "not_observed", 2)
    # Nothing is lost silently: the overwritten verdict stays in the audit chain, the refused one was never saved.
    assert saves_in_audit(session, dossier_id) == [("assessor", "met", 1), ("assessor", "not_observed", 2)]
