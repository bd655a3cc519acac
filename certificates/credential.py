"""The certificate as an Open Badges 3.0 / VC 2.0 credential: building, signing, verifying."""

import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import keys, proof
from certificates.models import Certificate, CertificateUnit, Decision
from certificates.offline_verification import (
    CertificateView,
    Revocation,
    UnitOrigin,
    VerificationResult,
    result,
    revocation_status,
    trusted_keys,
    utc_day,
)

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
ISCO_URL = "http://data.europa.eu/esco/isco/C{code}"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Failures of the proof that mean "this is not a credential we can read", as opposed to a forgery.
_MALFORMED = {"malformed-credential", "unsupported-context", "malformed-proof", "unsupported-cryptosuite",
              "unsupported-proof-option", "wrong-proof-purpose", "context-mismatch"}


def _both(fr: str, en: str | None) -> str:
    # OB 3.0 names are plain strings: French first, then English when it says something else.
    return fr if not en or en == fr else f"{fr} / {en}"


def credential_id(public_url: str, number: str) -> str:
    return f"{public_url.rstrip('/')}/certificates/{number}"


def achievement_id(public_url: str, framework_code: str, framework_version: int) -> str:
    """A stable URL for one version of a framework."""
    return f"{public_url.rstrip('/')}/frameworks/{quote(framework_code, safe='')}/{framework_version}"


def build(
    cert: Certificate,
    *,
    public_url: str,
    issuer_names: tuple[str, str],
    status_url: str,
) -> dict[str, Any]:
    """The unsigned credential of a certificate: what it attests, nothing of the evidence itself."""
    base = public_url.rstrip("/")
    achievement = achievement_id(base, cert.framework_code, cert.framework_version)
    title = _both(cert.qualification_title_fr, cert.qualification_title_en)
    full = cert.decision == Decision.FULL
    validated = [(index, unit) for index, unit in enumerate(cert.units) if unit.get("validated")]
    credential: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": credential_id(base, cert.number),
        "type": list(TYPES),
        "issuer": {"id": base + "/issuer", "type": ["Profile"], "name": _both(*issuer_names)},
        "validFrom": keys.iso_utc(cert.issued_at),
        "name": _both(f"Certificat de compétences : {cert.qualification_title_fr}",
                      f"Certificate of competence: {cert.qualification_title_en or cert.qualification_title_fr}"),
        "description": _description(cert, full=full),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                _identity("name", cert.holder_name),
                _identity("ext:dateOfBirth", cert.birth_date.isoformat()),
            ],
            "achievement": {
                "id": achievement,
                "type": ["Achievement"],
                "achievementType": "Certificate" if full else "Competency",
                "name": title,
                "description": _both(f"Référentiel {cert.framework_code}, version {cert.framework_version}",
                                     f"Framework {cert.framework_code}, version {cert.framework_version}"),
                "humanCode": cert.framework_code,
                "version": str(cert.framework_version),
                "inLanguage": "fr",
                "criteria": {"narrative": _criteria(cert, full=full)},
                "alignment": _alignments(cert, achievement),
                "resultDescription": [
                    {"id": f"{achievement}#unit-{index}", "type": ["ResultDescription"],
                     "name": _both(unit["title_fr"], unit.get("title_en")), "resultType": "Status"}
                    for index, unit in validated
                ],
            },
            "result": [_result(f"{achievement}#unit-{index}", unit, base) for index, unit in validated],
        },
        "evidence": [
            {"type": ["Evidence"], "name": kind, "genre": "evidence-kind"} for kind in cert.evidence_kinds
        ] + [
            {"type": ["Evidence"], "name": method, "genre": "assessment-method"} for method in cert.assessment_methods
        ],
        "credentialStatus": {
            "id": f"{status_url}#{cert.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(cert.status_index),
            "statusListCredential": status_url,
        },
    }
    if not credential["evidence"]:
        del credential["evidence"]
    if cert.expires_on is not None:
        # Good through its last day, UTC, as the seal says.
        credential["validUntil"] = f"{cert.expires_on.isoformat()}T23:59:59Z"
    return credential


def _result(description: str, unit: CertificateUnit, base: str) -> dict[str, Any]:
    """A validated unit's result; one carried from an earlier decision is aligned with the certificate that
    attests it (OB 3.0 Result.alignment, target type ceterms:Credential)."""
    found: dict[str, Any] = {"type": ["Result"], "resultDescription": description, "status": "Completed"}
    if unit.get("carried_on"):
        number = unit.get("carried_certificate")
        target = {"type": ["Alignment"], "targetType": "ceterms:Credential", "targetName": _origin(unit),
                  "targetDescription": _origin(unit), "targetUrl": credential_id(base, number) if number else base}
        found["alignment"] = [target | ({"targetCode": number} if number else {})]
    return found


def _origin(unit: CertificateUnit) -> str:
    """Where a carried unit comes from, French then English, with the ISO date (certificate_view reads it back)."""
    day, number = unit["carried_on"], unit.get("carried_certificate")
    if number:
        return f"validée le {day}, certificat {number} / validated on {day}, certificate {number}"
    return f"validée le {day} / validated on {day}"


def _identity(kind: str, value: str) -> dict[str, Any]:
    # OB 3.0 IdentityObject in the clear (hashed false): the holder's name, never an ID number.
    return {"type": "IdentityObject", "identityType": kind, "hashed": False, "identityHash": value}


def _description(cert: Certificate, *, full: bool) -> str:
    if full:
        fr = "Qualification complète validée par un jury (validation des acquis de l'expérience)."
        en = "Whole qualification validated by a jury (recognition of prior learning)."
    else:
        fr = "Unités de compétences validées par un jury (validation partielle des acquis de l'expérience)."
        en = "Units of competence validated by a jury (partial recognition of prior learning)."
    return f"{fr}\n{en}"


def _criteria(cert: Certificate, *, full: bool) -> str:
    day = cert.decision_date.isoformat()
    units = "\n".join(f"- {_both(unit['title_fr'], unit.get('title_en'))}"
                      + (f" ({_origin(unit)})" if unit.get("carried_on") else "") for unit in cert.validated_units())
    return (f"Décision du jury du {day} ({'validation complète' if full else 'validation partielle'}) / "
            f"Jury decision of {day} ({'full' if full else 'partial'} validation).\n{units}")


def _alignments(cert: Certificate, achievement: str) -> list[dict[str, Any]]:
    aligned: list[dict[str, Any]] = []
    if cert.isco08:
        aligned.append({"type": ["Alignment"], "targetType": "ext:ISCO-08", "targetFramework": "ISCO-08",
                        "targetCode": cert.isco08, "targetName": f"ISCO-08 {cert.isco08}",
                        "targetUrl": ISCO_URL.format(code=cert.isco08)})
    for index, unit in enumerate(cert.units):
        if unit.get("validated"):
            aligned.append({"type": ["Alignment"], "targetType": "ext:Unit",
                            "targetFramework": f"{cert.framework_code} v{cert.framework_version}",
                            "targetCode": unit["code"], "targetName": _both(unit["title_fr"], unit.get("title_en")),
                            "targetUrl": f"{achievement}#unit-{index}"})
    return aligned


def sign(credential: dict[str, Any], private_key: Ed25519PrivateKey, *, verification_method: str,
         created: datetime) -> dict[str, Any]:
    return proof.sign(credential, private_key, verification_method=verification_method,
                      created=keys.iso_utc(created))


def dumps(credential: dict[str, Any]) -> str:
    """The credential as stored and served: stable, readable JSON."""
    return json.dumps(credential, ensure_ascii=False, indent=2)


# --- verifying ---------------------------------------------------------------------------------


def verify(
    doc: Any,
    trust_list: dict[str, Any],
    *,
    now: datetime,
    revocation: Revocation | None = None,
    issuer_id: str | None = None,
) -> VerificationResult:
    """The verification result (docs/contract.md) for a credential JSON, like verify_seal_text for a seal.

    Only an unusable trust list raises (TrustListInvalid)."""
    known = trusted_keys(trust_list)
    method = _method(doc, issuer_id)
    if method is None:
        return result("malformed", now)
    kid_text = method.rpartition("#")[2]
    try:
        key = known.get(keys.b64url_decode(kid_text))
    except keys.NotBase64url:
        key = None
    if key is None:
        return result("unknown-key", now, issuer_key=False)
    check = proof.verify(doc, lambda asked: key.public_key if asked == method else None)
    if not check.ok:
        verdict = "malformed" if check.reason in _MALFORMED else "invalid"
        return result(verdict, now, signature=None if verdict == "malformed" else False)
    issued = _moment(doc.get("validFrom"))
    if issued is None:
        return result("malformed", now)
    if not key.vouches_for(utc_day(issued)):
        return result("invalid", now, signature=True, issuer_key=False)
    view = certificate_view(doc)
    until = _moment(doc.get("validUntil"))
    expired = until is not None and now > until
    status = revocation_status(view["number"], revocation)
    verdict = status or ("expired" if expired else "valid")
    outcome = result(verdict, now, signature=True, issuer_key=True,
                     revocation=None if revocation is None else status is None, expiry=not expired)
    outcome["certificate"] = view
    return outcome


def _method(doc: Any, issuer_id: str | None) -> str | None:
    """The proof's verification method when the document looks like one of our credentials."""
    if not isinstance(doc, dict) or doc.get("@context") != CONTEXT or doc.get("type") != TYPES:
        return None
    issuer = doc.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    found = doc.get("proof")
    method = found.get("verificationMethod") if isinstance(found, dict) else None
    if not isinstance(issuer, str) or not isinstance(method, str):
        return None
    # The key must be the issuer's own: <issuer id>#<kid>, and online the issuer must be us.
    if method.rpartition("#")[0] != issuer or (issuer_id is not None and issuer != issuer_id):
        return None
    return method


def _moment(value: Any) -> datetime | None:
    if not proof.is_datetime_stamp(value):
        return None
    return datetime.fromisoformat(value)


def certificate_view(doc: dict[str, Any]) -> CertificateView:
    """What a signed credential says, in the shape of the seal's certificate view (and more)."""
    subject = doc.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    identities = {item.get("identityType"): item.get("identityHash") for item in subject.get("identifier") or []
                  if isinstance(item, dict)}
    units = []
    origins = _origins(subject)
    for description in achievement.get("resultDescription") or []:
        index = str(description.get("id", "")).rpartition("#unit-")[2]
        if index.isdigit():
            units.append({"index": int(index), "title": description.get("name"),
                          "origin": origins.get(str(description.get("id")))})
    issued = _moment(doc.get("validFrom"))
    until = _moment(doc.get("validUntil"))
    version = str(achievement.get("version", ""))
    return CertificateView(
        number=str(doc.get("id", "")).rpartition("/")[2],
        holder_name=identities.get("name"),
        birth_date=identities.get("ext:dateOfBirth"),
        framework_code=achievement.get("humanCode"),
        framework_version=int(version) if version.isdigit() else None,
        qualification_title=achievement.get("name"),
        units=[unit["index"] for unit in units],
        unit_titles=[unit["title"] for unit in units],
        unit_origins=[unit["origin"] for unit in units],
        decision="full" if achievement.get("achievementType") == "Certificate" else "partial",
        issued_on=issued.date().isoformat() if issued else None,
        issued_at=keys.iso_utc(issued) if issued else None,
        expires_on=until.date().isoformat() if until else None,
    )


def _origins(subject: dict[str, Any]) -> dict[str, UnitOrigin]:
    """Per unit result, the earlier certificate it is carried from (see _result): its date and number."""
    found = {}
    for item in subject.get("result") or []:
        aligned = item.get("alignment") if isinstance(item, dict) else None
        target = aligned[0] if isinstance(aligned, list) and aligned and isinstance(aligned[0], dict) else None
        if target is None or target.get("targetType") != "ceterms:Credential":
            continue
        day = _ISO_DAY.search(str(target.get("targetDescription", "")))
        found[str(item.get("resultDescription"))] = UnitOrigin(validated_on=day.group(0) if day else None,
                                                               certificate=target.get("targetCode") or None)
    return found

