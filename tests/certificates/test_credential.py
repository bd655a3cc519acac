"""The Open Badges 3.0 credential, the issuer document, the trust list and the revocation status list."""

import copy
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from acquis.config import Settings
from certificates import credential, jsonld, keys, multikey, proof, service, status_list
from certificates.models import Certificate, Decision
from tests.support.certificates import issued

NOW = datetime(2025, 7, 1, tzinfo=UTC)
URL = "https://acquis.example"


def certificate(**changes: Any) -> Certificate:
    fields: dict[str, Any] = dict(
        number="ML-ANPE-2025-7K3M-9QXH-2TZF", decision_ref="j1", holder_name="Awa Traoré",
        birth_date=date(1980, 1, 2), framework_code="DEMO-MAC-01", framework_version=1,
        qualification_title_fr="Maçon", qualification_title_en="Bricklayer", isco08="7112",
        units=[{"code": "U1", "title_fr": "Fondations", "title_en": "Foundations", "validated": True},
               {"code": "U2", "title_fr": "Murs", "title_en": "Walls", "validated": False}],
        decision=Decision.PARTIAL, decision_date=date(2025, 6, 1), issued_on=date(2025, 6, 2),
        issued_at=datetime(2025, 6, 2, 10, 0, tzinfo=UTC), expires_on=date(2030, 6, 1),
        evidence_kinds=["employer_attestation"], assessment_methods=["direct_observation"], kid="k",
        seal=b"", qr_text="", credential="", status_list_id=1, status_index=4242)
    return Certificate(**(fields | changes))


def signed(cert: Certificate, key: Any) -> dict[str, Any]:
    unsigned = credential.build(cert, public_url=URL, issuer_names=("ANPE", "ANPE (en)"), status_url=f"{URL}/status/1")
    kid = keys.b64url(keys.kid_for(key))
    return credential.sign(unsigned, key, verification_method=f"{URL}/issuer#{kid}", created=cert.issued_at)


def trust(key: Any) -> dict[str, Any]:
    return {"keys": [keys.jwk_entry(key.public_key(), status="active", not_before=datetime(2024, 1, 1, tzinfo=UTC),
                                    not_after=None, compromised_since=None)]}


def test_signed_credential_verifies_and_any_tampering_is_rejected() -> None:
    key = keys.generate_private_key()
    document = signed(certificate(), key)
    result = credential.verify(document, trust(key), now=NOW)
    assert result["verdict"] == "valid"
    assert result["checks"] == {"signature": True, "issuer_key": True, "revocation": None, "expiry": True}
    assert result["certificate"]["number"] == "ML-ANPE-2025-7K3M-9QXH-2TZF"
    assert result["certificate"]["holder_name"] == "Awa Traoré" and result["certificate"]["units"] == [0]
    extra_unit = {"type": ["Result"], "status": "Completed",
                  "resultDescription": document["credentialSubject"]["achievement"]["id"] + "#unit-1"}
    for tamper in (lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="Eve"),
                   lambda d: d.update(validUntil="2099-12-31T23:59:59Z"),
                   lambda d: d["credentialSubject"]["result"].append(extra_unit)):
        forged = copy.deepcopy(document)
        tamper(forged)
        outcome = credential.verify(forged, trust(key), now=NOW)
        assert outcome["verdict"] == "invalid" and "certificate" not in outcome
    other = keys.generate_private_key()
    assert credential.verify(document, trust(other), now=NOW)["verdict"] == "unknown-key"
    assert credential.verify({"hello": 1}, trust(key), now=NOW)["verdict"] == "malformed"


def test_credential_says_expired_revoked_and_uses_only_defined_terms() -> None:
    key = keys.generate_private_key()
    document = signed(certificate(), key)
    assert credential.verify(document, trust(key), now=datetime(2030, 6, 2, tzinfo=UTC))["verdict"] == "expired"
    assert credential.verify(document, trust(key), now=NOW, revocation=lambda n: "revoked")["verdict"] == "revoked"
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    jsonld.canonize(unsigned)  # raises UndefinedTerm if any property were outside the two contexts
    with pytest.raises(jsonld.UndefinedTerm):
        jsonld.canonize(unsigned | {"idNumber": "123"})


def test_credential_has_the_open_badges_shape(session: Session, settings: Settings) -> None:
    cert = issued(session, settings, decision="full", expires_on=date(2031, 1, 31))
    document = json.loads(cert.credential)
    assert document["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    base = settings.public_url
    assert document["issuer"]["id"] == f"{base}/issuer" and document["issuer"]["type"] == ["Profile"]
    assert document["validFrom"].endswith("Z") and document["validUntil"] == "2031-01-31T23:59:59Z"
    assert document["id"].endswith(cert.number)
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["id"] == f"{base}/frameworks/DEMO-MAC-01/1" and achievement["achievementType"] == "Certificate"
    assert {"targetCode": "7112", "targetFramework": "ISCO-08"}.items() <= achievement["alignment"][0].items()
    assert len(document["credentialSubject"]["result"]) == 4
    assert [e["genre"] for e in document["evidence"]] == ["evidence-kind"] * 2 + ["assessment-method"] * 2
    status = document["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListIndex"] == str(cert.status_index)
    assert status["statusListCredential"] == f"{base}/status/{cert.status_list_id}"
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["proof"]["verificationMethod"] == f"{base}/issuer#{cert.kid}"
    assert "Traoré Sy" in json.dumps(document, ensure_ascii=False) and "dossier" not in json.dumps(document)


def test_issuer_document_lists_keys_as_multikey_and_verifies_the_credential(client: TestClient, session: Session,
                                                                           settings: Settings) -> None:
    cert = issued(session, settings)
    response = client.get("/issuer", follow_redirects=False)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    document = response.json()
    assert document["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    assert document["id"] == f"{settings.public_url}/issuer"
    (method,) = document["verificationMethod"]
    assert method["id"] == f"{settings.public_url}/issuer#{cert.kid}" and method["type"] == "Multikey"
    assert method["publicKeyMultibase"].startswith("z6Mk") and document["assertionMethod"] == [method["id"]]
    public = multikey.public_key_from_multibase(method["publicKeyMultibase"])
    check = proof.verify(json.loads(cert.credential), lambda vm: public if vm == method["id"] else None)
    assert check.ok


def test_trust_list_is_the_contract_shape_with_cache_headers(client: TestClient, session: Session,
                                                             settings: Settings) -> None:
    cert = issued(session, settings)
    response = client.get("/.well-known/acquis/trust-list.json")
    assert response.status_code == 200 and "max-age" in response.headers["cache-control"]
    body = response.json()
    assert body["issuer"] == {"code": "ML-ANPE", "name": {"fr": settings.issuer_name_fr, "en": settings.issuer_name_en}}
    (entry,) = body["keys"]
    assert set(entry) == {"kty", "crv", "alg", "use", "kid", "x", "status", "not_before", "not_after"}
    assert entry["kid"] == cert.kid and entry["status"] == "active" and entry["not_after"] is None
    again = client.get("/.well-known/acquis/trust-list.json", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_revoking_sets_the_bit_in_the_signed_status_list_at_once(client: TestClient, session: Session,
                                                                 settings: Settings) -> None:
    cert = issued(session, settings)
    before = client.get(f"/status/{cert.status_list_id}")
    assert before.status_code == 200 and "max-age=300" in before.headers["cache-control"]
    document = before.json()
    assert document["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["issuer"] == f"{settings.public_url}/issuer"
    bits = status_list.decode(document["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= 131072 and not status_list.get_bit(bits, cert.status_index)
    issuer = client.get("/issuer").json()["verificationMethod"][0]
    public = multikey.public_key_from_multibase(issuer["publicKeyMultibase"])
    assert proof.verify(document, lambda vm: public if vm == issuer["id"] else None).ok
    service.revoke(session, cert.number, reason="fraude", by=None, settings=settings)
    session.commit()
    after = client.get(f"/status/{cert.status_list_id}").json()
    assert status_list.get_bit(status_list.decode(after["credentialSubject"]["encodedList"]), cert.status_index)
    assert client.get("/status/999").status_code == 404


def test_api_verifies_a_credential_file_and_reports_revocation(client: TestClient, session: Session,
                                                               settings: Settings) -> None:
    cert = issued(session, settings)
    upload = {"file": ("credential.json", cert.credential.encode(), "application/json")}
    body = client.post("/api/v1/verify", files=upload).json()
    assert body["verdict"] == "valid" and body["checks"]["revocation"] is True
    service.revoke(session, cert.number, reason="fraude", by=None, settings=settings)
    session.commit()
    assert client.post("/api/v1/verify", files=upload).json()["verdict"] == "revoked"
