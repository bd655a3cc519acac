"""eddsa-rdfc-2022 proofs: the W3C test vector byte for byte, and forgeries caught as results."""

import copy
import hashlib
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import jsonld, multikey, proof

VECTORS = Path(__file__).parents[1] / "vectors"
OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
VM = "https://acquis.example/issuer#k1"


def vector(name: str) -> str:
    return (VECTORS / name).read_text(encoding="utf-8")


def vector_json(name: str) -> Any:
    return json.loads(vector(name))


@pytest.fixture
def vector_key() -> Ed25519PrivateKey:
    return multikey.private_key_from_multibase(vector_json("keyPair.json")["privateKeyMultibase"])


@pytest.fixture
def vector_signed(vector_key: Ed25519PrivateKey) -> dict[str, Any]:
    config = vector_json("proofConfigDataInt.json")
    return proof.sign(
        vector_json("unsigned.json"),
        vector_key,
        verification_method=config["verificationMethod"],
        created=config["created"],
    )


@pytest.fixture
def issuer_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def badge(issuer_key: Ed25519PrivateKey) -> dict[str, Any]:
    """An Open Badges 3.0 credential shaped as the contract says, signed by issuer_key."""
    credential = {
        "@context": OB_CONTEXT,
        "id": "https://acquis.example/certificates/VAE-2025-0001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://acquis.example/issuer", "type": ["Profile"], "name": "Acquis"},
        "validFrom": "2025-03-01T00:00:00Z",
        "name": "Maçon — validation totale",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": "Awa Traoré",
            "achievement": {
                "id": "https://acquis.example/frameworks/MACON/1",
                "type": ["Achievement"],
                "name": "Maçon",
                "description": "Bloc 1 : fondations\nBloc 2 : élévation",
                "criteria": {"narrative": "Jury du 28 février 2025"},
            },
        },
        "credentialStatus": {
            "id": "https://acquis.example/status/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://acquis.example/status/1",
        },
    }
    return proof.sign(credential, issuer_key, verification_method=VM, created="2025-03-01T10:00:00Z")


def lookup_for(key: Ed25519PrivateKey, vm: str = VM):
    """A key lookup that knows exactly one verification method."""
    return lambda asked: key.public_key() if asked == vm else None


def reason(signed: dict[str, Any], key: Ed25519PrivateKey, vm: str = VM) -> str | None:
    check = proof.verify(signed, lookup_for(key, vm))
    assert check.ok is (check.reason is None)
    return check.reason


# The W3C vector, step by step.


def test_vector_canonical_document_matches_w3c_byte_for_byte():
    assert jsonld.canonize(vector_json("unsigned.json")) == vector("canonDocDataInt.txt")


def test_vector_proof_configuration_is_what_sign_builds(vector_signed):
    options = dict(vector_signed["proof"])
    del options["proofValue"]
    assert {**options, "@context": vector_signed["@context"]} == vector_json("proofConfigDataInt.json")


def test_vector_canonical_proof_configuration_matches_w3c_byte_for_byte():
    config = vector_json("proofConfigDataInt.json")
    assert jsonld.canonize(config) == vector("proofCanonDataInt.txt")


def test_vector_hashes_match_w3c():
    document_hash = hashlib.sha256(vector("canonDocDataInt.txt").encode()).hexdigest()
    config_hash = hashlib.sha256(vector("proofCanonDataInt.txt").encode()).hexdigest()
    assert document_hash == vector("docHashDataInt.txt").strip()
    assert config_hash == vector("proofHashDataInt.txt").strip()


def test_vector_combined_hash_is_proof_config_hash_then_document_hash():
    config = vector_json("proofConfigDataInt.json")
    del config["@context"]  # hash_data takes it from the document, as the spec says
    combined = proof.hash_data(vector_json("unsigned.json"), config)
    assert combined.hex() == vector("combinedHashDataInt.txt").strip()


def test_vector_signature_matches_w3c_in_hex_and_base58(vector_signed):
    proof_value = vector_signed["proof"]["proofValue"]
    assert proof_value == vector("sigBTC58DataInt.txt").strip()
    assert multikey.b58decode(proof_value[1:]).hex() == vector("sigHexDataInt.txt").strip()


def test_vector_signed_credential_matches_w3c_byte_for_byte(vector_signed):
    assert vector_signed == vector_json("signedDataInt.json")
    assert json.dumps(vector_signed, indent=2, ensure_ascii=False) == vector("signedDataInt.json")


def test_vector_signed_credential_verifies_with_its_published_key():
    public = multikey.public_key_from_multibase(vector_json("keyPair.json")["publicKeyMultibase"])
    signed = vector_json("signedDataInt.json")
    assert proof.verify(signed, lambda vm: public) == proof.ProofCheck(True)


# Signing and verifying an Acquis credential.


def test_signed_badge_verifies_with_issuer_key(badge, issuer_key):
    assert proof.verify(badge, lookup_for(issuer_key)) == proof.ProofCheck(ok=True, reason=None)
    assert badge["proof"]["verificationMethod"] == VM
    assert badge["proof"]["proofPurpose"] == "assertionMethod"


def test_sign_leaves_the_unsigned_credential_untouched(issuer_key):
    unsigned = vector_json("unsigned.json")
    before = copy.deepcopy(unsigned)
    signed = proof.sign(unsigned, issuer_key, verification_method=VM, created="2025-01-01T00:00:00Z")
    signed["credentialSubject"]["alumniOf"] = "changed"
    assert unsigned == before


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s.update(name="Awa Traore"),
        lambda s: s.update(id="did:example:someone-else"),
        lambda s: s["achievement"].update(name="Électricien"),
        lambda s: s["achievement"]["criteria"].update(narrative="Jury du 1er mars 2025"),
        lambda s: s.update(description="ajouté après signature"),
        lambda s: s.pop("name"),
    ],
    ids=["name", "added-id", "achievement", "criteria", "added-field", "removed-field"],
)
def test_tampered_credential_subject_is_rejected(badge, issuer_key, tamper):
    tamper(badge["credentialSubject"])
    assert reason(badge, issuer_key) == "bad-signature"


def test_field_unknown_to_open_badges_is_refused_not_silently_dropped(badge, issuer_key):
    # The OB 3.0 and VC 2.0 contexts bundled define no @vocab: an unknown term maps to nothing.
    badge["credentialSubject"]["extra"] = "added after signing"
    assert reason(badge, issuer_key) == "malformed-credential"


@pytest.mark.parametrize("field", ["validFrom", "created"])
def test_tampered_dates_are_rejected(badge, issuer_key, field):
    target = badge["proof"] if field == "created" else badge
    target[field] = "2020-01-01T00:00:00Z"
    assert reason(badge, issuer_key) == "bad-signature"


def test_credential_signed_by_another_key_is_rejected(badge):
    assert reason(badge, Ed25519PrivateKey.generate()) == "bad-signature"


def test_changed_proof_value_is_rejected(badge, issuer_key):
    signature = bytearray(multikey.b58decode(badge["proof"]["proofValue"][1:]))
    signature[10] ^= 0x01
    badge["proof"]["proofValue"] = "z" + multikey.b58encode(bytes(signature))
    assert reason(badge, issuer_key) == "bad-signature"


def test_unknown_verification_method_is_reported(badge, issuer_key):
    assert reason(badge, issuer_key, vm="https://acquis.example/issuer#other") == "unknown-key"


@pytest.mark.parametrize(
    "proof_value",
    [None, 42, "", "z", "u" + "A" * 86, "z0OIl", "z" + "2" * 300, "z" + multikey.b58encode(b"\1" * 63)],
)
def test_unreadable_proof_value_is_malformed(badge, issuer_key, proof_value):
    badge["proof"]["proofValue"] = proof_value
    assert reason(badge, issuer_key) == "malformed-proof"


@pytest.mark.parametrize(
    "damage",
    [
        lambda c: c.pop("proof"),
        lambda c: c.update(proof=[c["proof"]]),
        lambda c: c["proof"].pop("verificationMethod"),
        lambda c: c["proof"].update(created="1 March 2025"),
        lambda c: c["proof"].update(created="2025-13-01T00:00:00Z"),
    ],
    ids=["missing", "proof-set", "no-method", "prose-date", "month-13"],
)
def test_missing_or_ill_formed_proof_is_malformed(badge, issuer_key, damage):
    damage(badge)
    assert reason(badge, issuer_key) == "malformed-proof"


@pytest.mark.parametrize(
    "change",
    [{"cryptosuite": "ecdsa-rdfc-2019"}, {"type": "Ed25519Signature2020"}],
)
def test_other_cryptosuites_are_unsupported(badge, issuer_key, change):
    badge["proof"].update(change)
    assert reason(badge, issuer_key) == "unsupported-cryptosuite"


def test_proof_made_for_another_purpose_is_rejected(badge, issuer_key):
    badge["proof"]["proofPurpose"] = "authentication"
    assert reason(badge, issuer_key) == "wrong-proof-purpose"


def test_proof_options_this_verifier_cannot_check_are_not_ignored(badge, issuer_key):
    badge["proof"]["expires"] = "2020-01-01T00:00:00Z"
    assert reason(badge, issuer_key) == "unsupported-proof-option"


def test_proof_carrying_the_credentials_own_context_still_verifies(badge, issuer_key):
    badge["proof"]["@context"] = OB_CONTEXT
    assert reason(badge, issuer_key) is None


def test_proof_context_that_does_not_begin_the_credentials_is_rejected(badge, issuer_key):
    badge["proof"]["@context"] = ["https://www.w3.org/ns/credentials/examples/v2"]
    assert reason(badge, issuer_key) == "context-mismatch"


def test_credential_naming_a_foreign_context_is_unsupported(badge, issuer_key):
    badge["@context"] = [*OB_CONTEXT, "https://evil.example/context.jsonld"]
    assert reason(badge, issuer_key) == "unsupported-context"


def test_keyword_lookalike_is_refused_not_silently_dropped(badge, issuer_key):
    badge["credentialSubject"]["@unsigned"] = "displayed but never signed"
    assert reason(badge, issuer_key) == "malformed-credential"


@pytest.mark.parametrize("signed", [[], "credential", None])
def test_non_object_input_is_malformed(issuer_key, signed):
    assert reason(signed, issuer_key) == "malformed-credential"


def test_already_signed_credential_is_not_signed_again(badge, issuer_key):
    with pytest.raises(proof.AlreadySigned):
        proof.sign(badge, issuer_key, verification_method=VM, created="2025-03-01T10:00:00Z")


@pytest.mark.parametrize("created", ["2025-03-01", "2025-03-01T10:00:00", "yesterday"])
def test_sign_refuses_a_creation_time_without_time_zone(issuer_key, created):
    with pytest.raises(proof.InvalidCreated):
        proof.sign(vector_json("unsigned.json"), issuer_key, verification_method=VM, created=created)


def test_sign_refuses_control_characters_other_libraries_canonicalise_differently(issuer_key):
    unsigned = vector_json("unsigned.json")
    unsigned["name"] = "Alumni\x08Credential"
    with pytest.raises(jsonld.UnportableText):
        proof.sign(unsigned, issuer_key, verification_method=VM, created="2025-01-01T00:00:00Z")


# The document loader.


def test_every_bundled_context_is_served_as_a_pyld_remote_document():
    for url in jsonld.BUNDLED:
        remote = jsonld.load_document(url, {})
        assert remote["documentUrl"] == url
        assert remote["contextUrl"] is None
        assert "@context" in remote["document"]


def test_unknown_context_fails_fast_naming_the_url_without_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the network was touched")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    url = "https://contexts.example/unknown/v1"
    with pytest.raises(jsonld.ContextNotBundled, match="https://contexts.example/unknown/v1"):
        jsonld.canonize({"@context": [OB_CONTEXT[0], url], "type": "VerifiableCredential"})


def test_near_miss_context_url_is_refused():
    with pytest.raises(jsonld.ContextNotBundled):
        jsonld.load_document("https://www.w3.org/ns/credentials/v2/", {})


def test_loader_hands_out_copies_so_the_cache_stays_pristine():
    url = "https://www.w3.org/ns/credentials/v2"
    jsonld.load_document(url, {})["document"]["@context"]["id"] = "changed"
    assert jsonld.load_document(url, {})["document"]["@context"]["id"] == "@id"


def blank_clique(size: int) -> list[dict[str, Any]]:
    """Blank nodes that all know each other: only the factorial-cost step tells them apart."""
    return [{"id": f"_:b{i}", "knows": [{"id": f"_:b{j}"} for j in range(size) if j != i]} for i in range(size)]


def test_poisoned_credential_is_refused_instead_of_hanging_the_verifier(vector_key):
    # Unbounded, pyld needs about a minute for this; the bound refuses it in milliseconds.
    signed = vector_json("signedDataInt.json")
    signed["credentialSubject"]["knows"] = blank_clique(8)
    assert reason(signed, vector_key, vm=signed["proof"]["verificationMethod"]) == ("malformed-credential")
    with pytest.raises(jsonld.TooComplex):
        jsonld.canonize({k: v for k, v in signed.items() if k != "proof"})


def test_a_few_indistinguishable_entries_still_canonicalise():
    unsigned = vector_json("unsigned.json")
    unsigned["credentialSubject"]["knows"] = blank_clique(jsonld.MAX_UNDECIDED_BLANK_NODES)
    first = jsonld.canonize(unsigned)
    unsigned["credentialSubject"]["knows"].reverse()
    assert jsonld.canonize(unsigned) == first


@pytest.mark.parametrize(
    "damage",
    [
        lambda c: c.update({"@context": "0"}),  # relative context URL: pyld raises ValueError
        lambda c: c["@context"].append({"@context": {"@direction": None}}),  # pyld KeyError
        lambda c: c.update(credentialSubject=nested(2000)),  # exhausts pyld's stack
    ],
    ids=["relative-context", "stray-direction", "deep-nesting"],
)
def test_json_ld_that_crashes_pyld_is_a_malformed_result_not_an_exception(damage):
    signed = vector_json("signedDataInt.json")
    damage(signed)
    public = multikey.public_key_from_multibase(vector_json("keyPair.json")["publicKeyMultibase"])
    assert proof.verify(signed, lambda vm: public) == proof.ProofCheck(False, "malformed-credential")


def nested(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"alumniOf": "bottom"}
    for _ in range(depth):
        node = {"alumniOf": node}
    return node
