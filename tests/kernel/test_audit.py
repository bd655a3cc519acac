"""The audit chain: every change appended and linked; tampering is found and named."""

import os
import subprocess
import sys
import threading

from fastapi import FastAPI
from sqlalchemy import text
from sqlmodel import Session, select

from acquis import audit
from acquis.audit import AuditEvent
from acquis.config import Settings


def append(session: Session, n: int) -> None:
    for i in range(n):
        audit.record(session, actor=None, action="test.changed", entity_type="thing", entity_id=i, detail={"i": i})
    session.commit()


def audit_verify(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACQUIS_DATABASE_URL": settings.database_url, "ACQUIS_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "acquis", "audit", "verify"], env=env, capture_output=True,
                          text=True, timeout=60)


def test_intact_chain_verifies(session: Session, settings: Settings) -> None:
    append(session, 5)
    result = audit_verify(settings)
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout


def test_editing_one_row_makes_audit_verify_exit_1_naming_it(session: Session, settings: Settings) -> None:
    append(session, 5)
    session.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE seq = 3"))
    session.commit()
    result = audit_verify(settings)
    assert result.returncode == 1
    assert "event 3" in result.stderr and "Traceback" not in result.stderr


def test_editing_the_detail_is_found(session: Session) -> None:
    append(session, 3)
    event = session.exec(select(AuditEvent).where(AuditEvent.seq == 2)).one()
    event.detail = {"i": 99}
    session.add(event)
    session.commit()
    broken = audit.verify(session)
    assert broken is not None and broken.seq == 2


def test_deleting_a_row_is_found(session: Session) -> None:
    append(session, 5)
    session.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    session.commit()
    broken = audit.verify(session)
    assert broken is not None and broken.seq == 3 and "missing" in broken.reason


def test_deleting_the_last_rows_is_found(session: Session) -> None:
    append(session, 5)
    session.execute(text("DELETE FROM audit_event WHERE seq >= 4"))
    session.commit()
    broken = audit.verify(session)
    assert broken is not None and broken.seq == 4


def test_rows_swapped_out_of_order_are_found(session: Session) -> None:
    append(session, 4)
    session.execute(text("UPDATE audit_event SET seq = seq + 100 WHERE seq IN (2, 3)"))
    session.execute(text("UPDATE audit_event SET seq = 3 WHERE seq = 102"))
    session.execute(text("UPDATE audit_event SET seq = 2 WHERE seq = 103"))
    session.commit()
    broken = audit.verify(session)
    assert broken is not None and broken.seq == 2


def test_concurrent_writers_keep_one_unbroken_chain(app: FastAPI, session: Session) -> None:
    engine = app.state.engine
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(10):
                with Session(engine) as own:
                    audit.record(own, actor=None, action="test.concurrent", entity_type="thing", entity_id=1)
                    own.commit()
        except BaseException as error:  # collected and asserted on below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert audit.verify(session) is None
    assert len(session.exec(select(AuditEvent)).all()) == 60
