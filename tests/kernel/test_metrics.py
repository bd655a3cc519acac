"""/metrics: the Prometheus text format for the machine itself or the bearer of ACQUIS_METRICS_TOKEN, counted by
route template across every worker of `acquis serve`, never holding a seal or a certificate number."""

import io
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session

from acquis import jobs
from acquis.auth.models import Role
from acquis.config import Settings
from acquis.main import create_app
from certificates import service
from tests.support.authorization import routes
from tests.support.certificates import issued
from tests.support.dossiers import jpeg, make_dossier, publish_framework
from tests.support.operations import Served, serving, sqlite_settings
from tests.support.resilience import wait_for
from tests.support.web import UserFactory
from validation.dossiers import evidence
from validation.dossiers import jobs as dossier_jobs
from validation.dossiers.inputs import EvidenceCreate
from validation.dossiers.models import EvidenceKind

LOOPBACK = ("127.0.0.1", 50123)
ELSEWHERE = ("203.0.113.7", 50123)  # TEST-NET-3: any address that is not the machine itself
TOKEN = "a-long-random-scrape-token"


def value(text: str, sample: str, **labels: str) -> float:
    """The sum of a metric's samples with these labels (0 when there are none yet)."""
    return sum(found.value for family in text_string_to_metric_families(text) for found in family.samples
               if found.name == sample and labels.items() <= found.labels.items())


def labels_of(text: str, sample: str, label: str) -> set[str]:
    return {found.labels[label] for family in text_string_to_metric_families(text) for found in family.samples
            if found.name == sample and label in found.labels}


@pytest.fixture
def local(app: FastAPI) -> Iterator[TestClient]:
    """A client on the server's own machine."""
    with TestClient(app, client=LOOPBACK) as client:
        yield client


def test_loopback_reads_what_the_server_counted_and_no_seal_or_number(
        app: FastAPI, local: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    first = issued(session, settings)
    payload = first.qr_text.rsplit("/", 1)[1]
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    photo = jpeg(7)
    before = local.get("/metrics").text

    assert local.get(f"/V/{payload}").status_code == 200
    assert local.get("/verify", params={"number": first.number}).status_code == 200
    assert local.get("/no/such/page").status_code == 404
    second = issued(session, settings, decision_ref="jury-2025-002/dossier-43")
    service.revoke(session, second.number, reason="Erreur de saisie", by=None, settings=settings)
    session.commit()
    evidence.add(session, dossier.id, EvidenceCreate(kind=EvidenceKind.PHOTO_OF_WORK, description="Mur"),
                 file=io.BytesIO(photo), filename="mur.jpg", by=counsellor, store=app.state.store, settings=settings)
    session.commit()
    jobs.run_now(app.state.engine, settings, dossier_jobs.LAPSE)
    after = local.get("/metrics")

    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    text = after.text

    def added(sample: str, **labels: str) -> float:
        return value(text, sample, **labels) - value(before, sample, **labels)

    assert added("acquis_http_requests_total", method="GET", route="/V/{payload}", status="200") == 1
    assert added("acquis_http_requests_total", route="unmatched", status="404") == 1
    assert added("acquis_http_request_duration_seconds_count", route="/verify") == 1
    assert added("acquis_verifications_total", channel="page", verdict="valid") == 1
    assert added("acquis_verifications_total", channel="number", verdict="valid") == 1
    assert added("acquis_certificates_issued_total") == 1 and added("acquis_certificates_revoked_total") == 1
    assert added("acquis_evidence_stored_bytes_total") == len(photo)
    assert value(text, "acquis_job_last_success_timestamp_seconds", job="lapse") > 0
    assert value(text, "acquis_db_pool_size", engine="write") > 0
    assert "acquis_db_pool_connections_in_use" in text
    # Labels hold route templates only: nothing a visitor typed, no seal, no number. (The registry is the
    # process's: another test's app in the same worker may have counted its own routes before this one.)
    templates = {path for _method, path in routes(app)}
    counted = "acquis_http_requests_total"
    new_routes = labels_of(text, counted, "route") - labels_of(before, counted, "route")
    assert new_routes <= templates | {"/static", "unmatched"}
    for secret in (payload, first.number, second.number):
        assert secret not in text


def test_metrics_exist_only_for_the_machine_itself_or_the_token(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_token": TOKEN}))
    with TestClient(app, client=ELSEWHERE) as remote, TestClient(app, client=("::1", 50123)) as local6:
        hidden = remote.get("/metrics")
        assert hidden.status_code == 404 and "acquis_" not in hidden.text
        wrong = remote.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
        assert "acquis_" not in wrong.text
        right = remote.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 200 and "acquis_http_requests_total" in right.text
        assert local6.get("/metrics").status_code == 200
    without_token = create_app(settings)  # none configured: no token opens it
    with TestClient(without_token, client=ELSEWHERE) as remote:
        assert remote.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
        assert remote.get("/metrics").status_code == 404
    for each in (app, without_token):
        each.state.engine.dispose()
        each.state.read_engine.dispose()


def served_by(server: Served, route: str) -> dict[int, int]:
    """How many requests to `route` each worker (by pid) logged."""
    counts: dict[int, int] = {}
    for line in server.access_log():
        if line.get("route") == route:
            counts[line["pid"]] = counts.get(line["pid"], 0) + 1
    return counts


def test_every_worker_of_acquis_serve_reports_the_counts_of_all(
        sqlite_template: str, tmp_path: Path) -> None:
    settings = sqlite_settings(sqlite_template, tmp_path)
    with serving(settings, workers=2, ACQUIS_LOG_FORMAT="json") as (server,):
        sent = 0

        def both_workers_answered() -> bool:
            nonlocal sent
            with httpx.Client() as fresh:  # a new connection: the kernel hands it to either worker
                assert fresh.get(f"{server.url}/verify").status_code == 200
            sent += 1
            return len(served_by(server, "/verify")) == 2

        wait_for(both_workers_answered, what="requests answered by both workers", pause=0.01)
        wait_for(lambda: sum(served_by(server, "/verify").values()) == sent, what="every request logged")

        def scraped_by_both() -> bool:
            with httpx.Client() as fresh:
                text = fresh.get(f"{server.url}/metrics").text
            # Whichever worker answers adds up the two workers' files.
            assert value(text, "acquis_http_requests_total", route="/verify", status="200") == sent, text
            return len(served_by(server, "/metrics")) == 2

        wait_for(scraped_by_both, what="/metrics answered by both workers", pause=0.01)

        # A worker killed and replaced by uvicorn: its pool no longer counts among the live gauges.
        pool = value(httpx.get(f"{server.url}/metrics").text, "acquis_db_pool_size", engine="write")
        os.kill(next(iter(served_by(server, "/verify"))), signal.SIGKILL)
        server.wait_for_workers(3)  # uvicorn replaced it
        for _ in range(4):
            text = httpx.get(f"{server.url}/metrics").text
            assert value(text, "acquis_db_pool_size", engine="write") == pool
            assert value(text, "acquis_http_requests_total", route="/verify", status="200") == sent  # kept
