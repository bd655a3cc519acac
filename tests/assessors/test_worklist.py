"""The assessor's work list at scale: every open assignment shown, in a fixed number of queries."""

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from acquis.config import Settings
from tests.support.assessors import assigned, cast, frozen_dossier
from tests.support.web import UserFactory, log_in, queries_made
from validation.dossiers.models import AccessPurpose


def test_the_work_list_reads_the_database_the_same_number_of_times_for_one_or_many_assignments(
        client: TestClient, app: FastAPI, session: Session, settings: Settings, users: UserFactory) -> None:
    """One query for the assignments and one each for their candidates and frameworks, never one per
    assignment: at a few hundred assignments the page spent most of its time asking one row at a time."""
    c = cast(session, settings, users)
    assigned(session, c, c.assessor, AccessPurpose.ASSESS)
    log_in(client, "assessor")
    one = queries_made(app, lambda: client.get("/assessments"))
    for n in range(3):
        c.dossier, _ = frozen_dossier(session, settings, c.framework, counsellor=c.counsellor, registrar=c.registrar,
                                      phone=f"76 00 10 0{n}", id_number=f"AB 100000{n}", family_name=f"Diarra{n}")
        assigned(session, c, c.assessor, AccessPurpose.ASSESS)
    page = client.get("/assessments").text
    assert len(re.findall(r'id="assignment-\d+"', page)) == 4 and "DIARRA2" in page
    assert queries_made(app, lambda: client.get("/assessments")) == one
