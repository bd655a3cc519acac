"""The signed public documents (status lists, revocation list): signed when they change, served as stored.

Serving them then needs no private key: a verify-only front end runs without ACQUIS_KEY_PASSPHRASE."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from acquis import audit
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import AcquisError, NotFound
from acquis.i18n import N_
from certificates import keystore, revocation
from certificates.models import PublicDocument, StatusList

# A status list is signed again once less than this remains of its validity: a daily refresh has slack.
REFRESH_MARGIN = timedelta(days=10)


class NotPublished(AcquisError):
    """The document exists but was never signed (a database upgraded from before stored documents)."""

    status_code = 503
    code = "not-published"
    default_message = N_("Ce document n'est pas encore signé : lancez « acquis certificates publish ».")


class NothingIssuedYet(NotFound):
    """No issuer key exists yet: nothing was ever sealed, so there is nothing to revoke nor a key to sign with."""

    code = "nothing-issued-yet"
    default_message = N_("Aucun certificat n'a encore été délivré : ce document n'existe pas encore.")


@dataclass(frozen=True)
class _Due:
    """A document to sign again: where it is served, the change it will reflect, how to build it."""

    path: str
    source_at: datetime | None
    build: Callable[[revocation.Signer, datetime], dict[str, Any]]
    valid_for: timedelta | None = None


def refresh_public_documents(session: Session, settings: Settings, *, signer: revocation.Signer | None = None,
                             now: datetime | None = None) -> list[str]:
    """Sign again every stored document that is stale; returns their paths (none: nothing is signed).

    Stale: never signed, older than the last change of what it lists, signed by a key no longer the
    active one, or a status list near the end of its validity. Idempotent; schedule it daily. Needs the
    key passphrase only when something is stale."""
    # Queue behind any transaction changing a certificate's status (each appends to the audit chain):
    # the documents are then built from what they committed, never from an older view.
    audit.lock(session)
    now = now or utcnow()
    due = _stale(session, settings, now=now)
    if not due:
        return []
    signer = signer or keystore.signing_key(session, settings=settings)
    for document in due:
        _store(session, document, signer, now=now)
    session.flush()
    return [document.path for document in due]


def after_key_event(session: Session, settings: Settings) -> list[str]:
    """Sign again with the key now active (after generate, rotate, retire, compromise); none active: nothing."""
    if not keystore.active_keys(session):
        return []  # nothing can sign until a key is generated, which publishes them again
    return refresh_public_documents(session, settings)


def stored(session: Session, path: str) -> PublicDocument:
    """The document served at `path`; NotPublished when it was never signed (the caller knows it exists), or
    NothingIssuedYet (404) on an install without any issuer key (nothing was sealed: nothing to revoke)."""
    document = session.exec(select(PublicDocument).where(PublicDocument.path == path)).first()
    if document is None:
        raise NotPublished() if keystore.all_keys(session) else NothingIssuedYet()
    return document


def status_list_path(list_id: int) -> str:
    return f"{revocation.STATUS_PATH}{list_id}"


def _stale(session: Session, settings: Settings, *, now: datetime) -> list[_Due]:
    active = keystore.active_keys(session)
    kid = active[0].kid if active else None
    # populate_existing: this transaction may hold older copies of these rows from before the lock.
    signed = {row.path: row for row in session.exec(
        select(PublicDocument).execution_options(populate_existing=True))}

    def is_stale(path: str, source_at: datetime | None) -> bool:
        row = signed.get(path)
        return (row is None or row.kid != kid or (source_at is not None and _before(row.source_at, source_at))
                or (row.valid_until is not None and row.valid_until - now < REFRESH_MARGIN))

    due = []
    for list_id, changed_at in session.exec(select(StatusList.id, StatusList.updated_at).order_by(col(StatusList.id))):
        path = status_list_path(list_id)
        if is_stale(path, changed_at):
            due.append(_Due(path, changed_at, _status_list_builder(session, settings, list_id),
                            valid_for=revocation.STATUS_LIST_VALIDITY))
    latest = session.exec(select(func.max(StatusList.updated_at))).one()
    if is_stale(revocation.REVOCATIONS_PATH, latest):
        due.append(_Due(revocation.REVOCATIONS_PATH, latest,
                        lambda signer, _now: revocation.revocation_list(session, settings=settings, signer=signer)))
    return due


def _status_list_builder(session: Session, settings: Settings,
                         list_id: int) -> Callable[[revocation.Signer, datetime], dict[str, Any]]:
    return lambda signer, now: revocation.status_list_credential(session, list_id, settings=settings, signer=signer,
                                                                 now=now)


def _before(signed_from: datetime | None, changed_at: datetime) -> bool:
    return signed_from is None or signed_from < changed_at


def _store(session: Session, due: _Due, signer: revocation.Signer, *, now: datetime) -> None:
    body = serialize(due.build(signer, now))
    row = session.exec(select(PublicDocument).where(PublicDocument.path == due.path)).first()
    row = row or PublicDocument(path=due.path, body=b"", etag="", kid="")
    row.body, row.etag, row.kid = body, etag_of(body), signer[0].kid
    row.source_at, row.signed_at = due.source_at, now
    row.valid_until = now.replace(microsecond=0) + due.valid_for if due.valid_for else None
    session.add(row)


def serialize(document: dict[str, Any]) -> bytes:
    """A public JSON document's bytes as served."""
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
