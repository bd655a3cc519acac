"""The registrar's dossier list at scale: found by name, phone or number, a page at a time, in few queries."""

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from acquis.auth.models import Role
from acquis.config import Settings
from tests.support.dossiers import make_dossier, publish_framework
from tests.support.web import UserFactory, log_in, queries_made
from validation.dossiers import search
from validation.dossiers.models import Dossier
from validation.dossiers.status import DossierStatus


def rows(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="dossier-row-(\d+)"', page)]


def two_dossiers(session: Session, settings: Settings, users: UserFactory) -> tuple[Dossier, Dossier]:
    counsellor = users(Role.COUNSELLOR)
    framework = publish_framework(session)
    awa = make_dossier(session, settings, by=counsellor, framework=framework, family_name="TRAORÉ",
                       given_names="Awa Fatoumata", phone="76 00 00 01", id_number="AA 0000001")
    sekou = make_dossier(session, settings, by=counsellor, framework=framework, family_name="Keïta",
                         given_names="Sékou", phone="76 00 00 02", id_number="AA 0000002")
    return awa, sekou


def test_registrar_finds_a_dossier_by_name_typed_without_accents_in_any_order(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    awa, sekou = two_dossiers(session, settings, users)
    users(Role.REGISTRAR)
    log_in(client, "registrar")
    for typed in ("traore", "Traoré awa", "Awa TRAORE", "  tra "):
        assert rows(client.get("/dossiers", params={"q": typed}).text) == [awa.id], typed
    assert rows(client.get("/dossiers", params={"q": "kei"}).text) == [sekou.id]
    assert rows(client.get("/dossiers", params={"q": "awa keita"}).text) == []
    assert "Aucun dossier." in client.get("/dossiers", params={"q": "diarra"}).text


def test_registrar_finds_a_dossier_by_phone_or_dossier_number(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    awa, sekou = two_dossiers(session, settings, users)
    users(Role.REGISTRAR)
    log_in(client, "registrar")
    assert rows(client.get("/dossiers", params={"q": "76 00 00 02"}).text) == [sekou.id]
    assert rows(client.get("/dossiers", params={"q": "+22376000001"}).text) == [awa.id]
    assert rows(client.get("/dossiers", params={"q": str(sekou.id)}).text) == [sekou.id]
    assert rows(client.get("/dossiers").text) == [sekou.id, awa.id]  # newest first


def test_a_counsellor_searching_finds_only_the_dossiers_they_handle(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    awa, _ = two_dossiers(session, settings, users)
    users(Role.COUNSELLOR, login="other-counsellor")
    log_in(client, "other-counsellor")
    assert rows(client.get("/dossiers", params={"q": "traore"}).text) == []
    assert rows(client.get("/dossiers", params={"q": str(awa.id)}).text) == []


def test_the_dossier_list_comes_a_page_at_a_time_and_keeps_the_search(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    awa, sekou = two_dossiers(session, settings, users)
    # More dossiers of Sékou's than a page holds (made directly: only their number matters here).
    more = [Dossier(candidate_id=sekou.candidate_id, framework_id=sekou.framework_id, status=DossierStatus.WITHDRAWN)
            for _ in range(search.PAGE_SIZE)]
    session.add_all(more)
    session.commit()
    users(Role.REGISTRAR)
    log_in(client, "registrar")
    first = client.get("/dossiers", params={"q": "keita"}).text
    assert rows(first) == [d.id for d in reversed(more)] and 'rel="prev"' not in first
    following = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(following).text
    assert rows(second) == [sekou.id] and 'rel="next"' not in second and 'rel="prev"' in second
    assert rows(client.get("/dossiers", params={"status": "withdrawn", "page": 2}).text) == []
    assert client.get("/dossiers", params={"page": 0}).status_code == 422


def test_the_dossier_list_reads_the_database_the_same_number_of_times_for_few_or_many_dossiers(
        client: TestClient, app: FastAPI, session: Session, settings: Settings, users: UserFactory) -> None:
    """One query per list, not one per dossier shown: at 100,000 dossiers that was 200,000 queries."""
    awa, sekou = two_dossiers(session, settings, users)
    users(Role.REGISTRAR)
    log_in(client, "registrar")
    few = queries_made(app, lambda: client.get("/dossiers"))
    session.add_all(Dossier(candidate_id=awa.candidate_id, framework_id=awa.framework_id,
                            status=DossierStatus.WITHDRAWN) for _ in range(20))
    session.commit()
    many = queries_made(app, lambda: client.get("/dossiers"))
    assert len(rows(client.get("/dossiers").text)) == 22 and many == few

