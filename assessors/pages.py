"""What every assessment page template is given: the dossier pages' helpers plus the assessment's words."""

from typing import Any

from sqlmodel import Session

from acquis import i18n
from assessors import labels, service
from validation.dossiers import pages
from validation.dossiers import service as dossiers
from validation.dossiers.models import Dossier


def title(node: Any, prefix: str = "title") -> str:
    """A framework node's title (or text) in the page's language, French when there is no translation."""
    english: str | None = _field(node, f"{prefix}_en")
    french: str | None = _field(node, f"{prefix}_fr")
    return english if i18n.current_language.get() == "en" and english else (french or "")


def _field(node: Any, name: str) -> Any:
    return node.get(name) if isinstance(node, dict) else getattr(node, name, None)


today = pages.today


def context(**values: Any) -> dict[str, Any]:
    return pages.context(AL=labels, why=labels.why, moderation_reason=labels.moderation_reason, title=title,
                         **values)


def dossier_context(session: Session, dossier: Dossier, **values: Any) -> dict[str, Any]:
    """The page's dossier with its candidate and framework (every assessment page shows them)."""
    return context(dossier=dossier, candidate=dossiers.candidate_of(session, dossier),
                   framework=service.framework(session, dossier), **values)
