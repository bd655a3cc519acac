"""`make bench`: each figure a ratio to a baseline measured in the same run (not a test).

Prints a table and writes docs/performance.md with the machine it ran on.
"""

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from acquis.audit import AuditHead
from acquis.config import Settings, complete
from acquis.db import make_engine
from acquis.main import metadata
from acquis.pdf import render_pdf
from benchmarks import bulk_issuance, scale, serving
from benchmarks.report import Figure, write
from certificates import keys, keystore, pdf, service
from certificates.offline_verification import trusted_keys, verify_seal
from tests.support.certificates import issue_request


def best_of(action: Callable[[], object], *, rounds: int, per_round: int) -> float:
    """Seconds per call: the median of `rounds` rounds of `per_round` calls (robust to noise)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            action()
        times.append((time.perf_counter() - start) / per_round)
    return statistics.median(times)


def seal_verification(session: Session, settings: Settings) -> tuple[float, float]:
    """Verifying a seal in process against one raw Ed25519 verification of the same bytes."""
    cert = service.issue(session, issue_request(decision_ref="bench-seal"), by=None, settings=settings)
    session.commit()
    trusted = trusted_keys(keystore.trust_list(session, settings=settings))  # read once, as a verifier does
    now = datetime.now(UTC)
    private = keys.generate_private_key()
    public, message = private.public_key(), b"x" * 120
    signature = private.sign(message)
    baseline = best_of(lambda: public.verify(signature, message), rounds=7, per_round=2000)
    measured = best_of(lambda: verify_seal(cert.qr_text, trusted, now=now), rounds=7, per_round=2000)
    return measured, baseline


def alternating(measured: Callable[[], object], baseline: Callable[[], object], *, rounds: int,
                per_round: int) -> tuple[float, float]:
    """Seconds per call of each, rounds taken in turn (baseline, measured, baseline, ...): other work on
    the machine then weighs on both alike. The median round of each."""
    times: dict[Callable[[], object], list[float]] = {measured: [], baseline: []}
    for _ in range(rounds):
        for action in (baseline, measured):
            start = time.perf_counter()
            for _ in range(per_round):
                action()
            times[action].append((time.perf_counter() - start) / per_round)
    return statistics.median(times[measured]), statistics.median(times[baseline])


def issuance(session: Session, settings: Settings) -> tuple[float, float]:
    """Issuing one certificate (seal, QR, PDF, database) against WeasyPrint rendering its HTML alone."""
    counter = iter(range(10**6))

    def issue_one() -> None:
        service.issue(session, issue_request(decision_ref=f"bench-{next(counter)}"), by=None, settings=settings)
        session.commit()

    issue_one()  # warm up: fonts, templates
    cert = service.issue(session, issue_request(decision_ref="bench-html"), by=None, settings=settings)
    session.commit()
    html = pdf.html_of(service.pdf_content(cert, settings=settings))
    return alternating(issue_one, lambda: render_pdf(html, stylesheets=[pdf.STYLESHEET]), rounds=7, per_round=3)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = complete(Settings(data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/bench.db",
                                     secret_key="bench", key_passphrase="bench"))
        engine = make_engine(settings)
        metadata().create_all(engine)
        with Session(engine) as session:
            session.add(AuditHead())
            session.commit()
            keystore.generate(session, settings=settings)
            session.commit()
            figures = [
                Figure("seal verification (trust list read once) ÷ one raw Ed25519 verify", "≤ 1.5",
                       *seal_verification(session, settings)),
                Figure("issuing one certificate ÷ WeasyPrint on its HTML alone", "≤ 1.2",
                       *issuance(session, settings)),
            ]
        engine.dispose()
        figures.append(serving.verify_page(Path(tmp)))
        figures.append(bulk_issuance.bulk_issuance(Path(tmp)))
    figures += scale.figures()  # 100,000 candidates on SQLite and PostgreSQL: the longest part of the run
    print(write(figures))


if __name__ == "__main__":
    main()
