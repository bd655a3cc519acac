"""The issuer's public documents, for offline verifiers and caches: the trust list, the controller document,
the signed revocation list and status lists, served as stored with their ETag."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from acquis.db import SessionDep
from acquis.deps import SettingsDep
from certificates import keystore, public_documents, revocation
from certificates.models import StatusList

router = APIRouter()

TRUST_LIST_PATH = "/.well-known/acquis/trust-list.json"



def _json(request: Request, document: dict[str, Any], *, max_age: int) -> Response:
    body = public_documents.serialize(document)
    return _cached(request, body, public_documents.etag_of(body), max_age=max_age)


def _cached(request: Request, body: bytes, etag: str, *, max_age: int) -> Response:
    """A public document with its validators: a cache that holds this ETag gets a 304 without the body."""
    headers = {"Cache-Control": f"public, max-age={max_age}", "ETag": etag, "Access-Control-Allow-Origin": "*"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: "*" or a list of tags, compared weakly (a W/ prefix matches too)."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get(TRUST_LIST_PATH, name="show_trust_list")
def show_trust_list(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The issuer's public keys (JWKS-shaped), for offline verifiers."""
    return _json(request, keystore.trust_list(session, settings=settings), max_age=3600)


@router.get(revocation.REVOCATIONS_PATH, name="show_revocation_list")
def show_revocation_list(request: Request, session: SessionDep) -> Response:
    """Revoked and superseded certificates (SHA-256 of their numbers), signed when they change, for offline
    verifiers; served as stored, so no private key is needed here."""
    document = public_documents.stored(session, revocation.REVOCATIONS_PATH)
    return _cached(request, document.body, document.etag, max_age=300)


@router.get(keystore.ISSUER_PATH, name="show_issuer")
def show_issuer(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The issuer's controller document: its keys as Multikey under assertionMethod."""
    return _json(request, keystore.controller_document(session, settings=settings), max_age=3600)


@router.get(revocation.STATUS_PATH + "{list_id}", name="show_status_list")
def show_status_list(request: Request, session: SessionDep, list_id: int) -> Response:
    """A signed BitstringStatusListCredential (revocation), as stored when it last changed; short-lived in caches."""
    if session.get(StatusList, list_id) is None:
        raise revocation.UnknownStatusList()
    document = public_documents.stored(session, public_documents.status_list_path(list_id))
    return _cached(request, document.body, document.etag, max_age=300)
