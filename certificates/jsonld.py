"""JSON-LD canonicalisation (RDFC-1.0) over the bundled contexts only, never the network."""

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer
from pyld.jsonld import JsonLdError, JsonLdProcessor

from acquis.errors import Invalid
from acquis.i18n import N_, gettext


class ContextNotBundled(Invalid):
    """The document names a JSON-LD context that Acquis does not bundle; it never fetches one."""

    code = "context-not-bundled"
    default_message = N_("Ce document utilise un contexte JSON-LD qu'Acquis ne connaît pas.")


class UndefinedTerm(Invalid):
    """The document uses a term its contexts do not define, so no signature would cover it."""

    code = "undefined-term"
    default_message = N_("Ce document contient une propriété qu'aucun de ses contextes ne définit.")


class UnportableText(Invalid):
    """The document holds control characters that JSON-LD libraries canonicalise differently."""

    code = "unportable-text"
    default_message = N_("Ce document contient des caractères de contrôle impossibles à signer.")


class TooComplex(Invalid):
    """The document has too many blank nodes that only costly canonicalisation tells apart."""

    code = "too-complex"
    default_message = N_("Ce document est trop complexe pour être vérifié.")


class NotJsonLd(Invalid):
    """The document is not valid JSON-LD."""

    code = "not-json-ld"
    default_message = N_("Ce document n'est pas du JSON-LD valable.")


CONTEXTS_DIR = Path(__file__).parent / "contexts"

# URL -> file, exactly the table in contexts/README.md.
BUNDLED: dict[str, str] = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
}

# Control characters other than tab, newline and carriage return: pyld writes them raw in
# N-Quads, while RDFC-1.0 implementations that follow RDF 1.2 escape them, so a signature over
# them would not verify elsewhere.
_UNPORTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# pyld raises plain Python errors on some malformed input (found by fuzzing: a relative
# @context URL gives ValueError, a stray @direction in a context KeyError); deep nesting
# exhausts the stack. All are the document's fault, not ours.
_PYLD_CRASHES = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)
# Blank nodes that first-degree hashing cannot tell apart; a credential has none in practice.
MAX_UNDECIDED_BLANK_NODES = 5


class _BoundedURDNA2015(URDNA2015):
    """URDNA2015 that refuses crafted datasets instead of running for hours."""

    def hash_n_degree_quads(self, id_: str, issuer: IdentifierIssuer) -> dict[str, Any]:
        # Dataset poisoning: this step costs the factorial of the blank nodes still undecided
        # (a crafted 8-node clique takes a minute in pyld), so refuse before it starts.
        undecided = len(self.blank_node_info) - len(self.canonical_issuer.existing)
        if undecided > MAX_UNDECIDED_BLANK_NODES:
            raise TooComplex()
        result: dict[str, Any] = super().hash_n_degree_quads(id_, issuer)
        return result


@cache
def _contexts() -> dict[str, Any]:
    """Every bundled context, parsed once per process."""
    return {url: json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8")) for url, name in BUNDLED.items()}


def load_document(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Serve a bundled context as a pyld remote document; refuse any other URL."""
    contexts = _contexts()
    if url not in contexts:
        # Refuse rather than fetch: a context from the network could change what a signature means.
        message = gettext(N_("Le contexte JSON-LD %(url)s n'est pas fourni avec Acquis."))
        raise ContextNotBundled(message % {"url": url})
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        # "static": the bundled contexts never change, so pyld may keep them resolved and processed
        # across documents instead of re-reading hundreds of term definitions for each one.
        "tag": "static",
        # A copy: pyld rewrites relative @context URLs in place, the cache must stay pristine.
        "document": copy.deepcopy(contexts[url]),
    }


def canonize(doc: dict[str, Any]) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of `doc`, resolved with bundled contexts only.

    Raises ContextNotBundled, UndefinedTerm, UnportableText, TooComplex or NotJsonLd; the same
    document always gives the same string, byte for byte.
    """
    # pyld's normalize() in two steps, so that the canonicalisation step is the bounded one.
    processor = JsonLdProcessor(on_property_dropped=_refuse_dropped)
    try:
        dataset = processor.to_rdf(doc, {"documentLoader": load_document})
        nquads: str = _BoundedURDNA2015().main(dataset, {"format": "application/n-quads"})
    except JsonLdError as error:
        raise _root_cause(error) from error
    except _PYLD_CRASHES as error:
        raise NotJsonLd() from error
    if _UNPORTABLE.search(nquads):
        raise UnportableText()
    return nquads


def _refuse_dropped(iri: str | None) -> None:
    # JSON-LD silently drops undefined terms; a signed document must not carry unsigned data.
    if iri is None:
        raise UndefinedTerm()
    message = gettext(N_("La propriété %(term)s n'est définie par aucun contexte du document."))
    raise UndefinedTerm(message % {"term": iri})


def _root_cause(error: JsonLdError) -> Invalid:
    """Our own error buried in pyld's wrapping, else the document's fault as NotJsonLd."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, Invalid):
            return cause
        cause = cause.__cause__ or cause.__context__
    return NotJsonLd()
