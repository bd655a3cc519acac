"""The read API for integrations: published frameworks as JSON, for any authenticated caller."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from acquis.auth.guard import UserDep
from acquis.db import SessionDep
from validation.frameworks import service
from validation.frameworks.inputs import FrameworkIn
from validation.frameworks.models import FrameworkStatus

router = APIRouter(prefix="/api/v1")


class Titles(BaseModel):
    fr: str
    en: str | None = None


class VersionRef(BaseModel):
    version: int
    status: str


class FrameworkSummaryOut(BaseModel):
    """A framework's version in force, and the versions an integration may still meet."""

    code: str
    version: int
    status: str
    title: Titles
    isco08: str | None
    esco_occupation_uri: str | None
    units: int
    criteria: int
    published_at: str | None
    retired_at: str | None
    versions: list[VersionRef]


class FrameworkOut(FrameworkIn):
    """One version: the tree every file format carries, units, elements and criteria in order."""

    status: str
    published_at: datetime | None = None
    retired_at: datetime | None = None


@router.get("/frameworks", name="list_frameworks_api", response_model=list[FrameworkSummaryOut],
            summary="Frameworks in force: the latest published version of each")
def list_frameworks_api(session: SessionDep, user: UserDep, q: str = "") -> list[dict[str, Any]]:
    """Each framework with a published version; `q` searches codes, titles and ISCO-08 codes."""
    in_force = []
    for listing in service.search(session, q, user=None):
        published = [v for v in listing.versions if v.status == FrameworkStatus.PUBLISHED]
        if published:
            in_force.append((published[-1], [v for v in listing.versions if v.status != FrameworkStatus.DRAFT]))
    counts = service.node_counts(session, [latest for latest, _ in in_force])
    return [service.summary(latest, counts[latest.id])
            | {"versions": [{"version": v.version, "status": v.status.value} for v in versions]}
            for latest, versions in in_force]


@router.get("/frameworks/{code}", name="show_framework_api", response_model=FrameworkOut,
            summary="One framework: the latest published version, or ?version=N")
def show_framework_api(session: SessionDep, user: UserDep, code: str, version: int | None = None) -> dict[str, Any]:
    """Drafts are only for staff, by number; retired versions stay readable for old certificates."""
    framework = (service.get_version(session, code, version, user=user) if version is not None
                 else service.latest_published(session, code))
    data = service.checked_tree(session, framework).model_dump(mode="json")
    return data | {"status": framework.status.value, "published_at": framework.published_at,
                   "retired_at": framework.retired_at}
