"""The parts of a 1EdTech CASE 1.1 CFPackage that Acquis reads and writes."""

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Never change: every identifier Acquis derives for a CASE export comes from it, so that
# exporting the same framework version twice gives the same identifiers.
NAMESPACE = uuid.UUID("606e876b-c191-4eee-8e54-741a87f33ecd")
EXTENSION = "acquis"  # key of Acquis's own data in each object's `extensions`
STRUCTURE = "isChildOf"
ALIGNMENTS = ("exactMatchOf", "isRelatedTo")
ISCO_PREFIX = "http://data.europa.eu/esco/isco/C"
ESCO_OCCUPATION_PREFIX = "http://data.europa.eu/esco/occupation/"


class CaseModel(BaseModel):
    # Ignore what Acquis does not use (subjects, licences, rubrics...): a package from
    # elsewhere carries plenty, and none of it is needed to build the tree.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Link(CaseModel):
    """A LinkGenURI: how a CASE object points at another, inside the package or not."""

    title: str | None = None
    identifier: str | None = None
    uri: str | None = None


class CFDocument(CaseModel):
    identifier: str
    uri: str | None = None
    creator: str | None = None
    title: str | None = None
    last_change: str | None = Field(default=None, alias="lastChangeDateTime")
    publisher: str | None = None
    description: str | None = None
    language: str | None = None
    version: str | None = None
    adoption_status: str | None = Field(default=None, alias="adoptionStatus")
    case_version: str | None = Field(default=None, alias="caseVersion")
    extensions: dict[str, Any] | None = None


class CFItem(CaseModel):
    identifier: str
    uri: str | None = None
    full_statement: str | None = Field(default=None, alias="fullStatement")
    human_coding_scheme: str | None = Field(default=None, alias="humanCodingScheme")
    item_type: str | None = Field(default=None, alias="CFItemType")
    language: str | None = None
    last_change: str | None = Field(default=None, alias="lastChangeDateTime")
    document: Link | None = Field(default=None, alias="CFDocumentURI")
    extensions: dict[str, Any] | None = None


class CFAssociation(CaseModel):
    identifier: str | None = None  # required by CASE, missing from hand-made packages
    uri: str | None = None
    association_type: str = Field(alias="associationType")
    sequence_number: int | None = Field(default=None, alias="sequenceNumber")
    origin: Link = Field(alias="originNodeURI")
    destination: Link = Field(alias="destinationNodeURI")
    last_change: str | None = Field(default=None, alias="lastChangeDateTime")
    document: Link | None = Field(default=None, alias="CFDocumentURI")
    extensions: dict[str, Any] | None = None


class CFPackage(CaseModel):
    document: CFDocument = Field(alias="CFDocument")
    items: list[CFItem] = Field(default_factory=list, alias="CFItems")
    associations: list[CFAssociation] = Field(default_factory=list, alias="CFAssociations")
    extensions: dict[str, Any] | None = None

    def dump(self) -> dict[str, Any]:
        """The package as CASE JSON names it, without empty fields."""
        return self.model_dump(by_alias=True, exclude_none=True)


def own_data(extensions: dict[str, Any] | None) -> dict[str, Any]:
    """Acquis's data in an object's extensions; anything else there belongs to someone else."""
    data = (extensions or {}).get(EXTENSION)
    return dict(data) if isinstance(data, dict) else {}


def isco_code(uri: str | None) -> str | None:
    """The ISCO-08 code an ESCO ISCO URI names (".../isco/C7112" -> "7112"), else None."""
    uri = (uri or "").replace("https://", "http://", 1)
    code = uri.removeprefix(ISCO_PREFIX) if uri.startswith(ISCO_PREFIX) else ""
    return code if code.isascii() and code.isdigit() and len(code) <= 4 else None


def is_esco_occupation(uri: str | None) -> bool:
    return (uri or "").replace("https://", "http://", 1).startswith(ESCO_OCCUPATION_PREFIX)


def derived_id(*parts: str | int | None) -> str:
    """A stable identifier for what `parts` name, the same at every export."""
    name = "\x1f".join("" if part is None else str(part) for part in parts)
    return str(uuid.uuid5(NAMESPACE, name))
