"""Units a candidate already holds from an earlier decision, on this framework version or an equivalent one:
a new dossier shows them at intake ("déjà validée le <date>, certificat <numéro>") and targets only the others.

Decisions and certificates live in the layers above (assessors/, certificates/), which this one never imports:
the composition root gives the app the function that finds them (`app.state.held_units`), and the pages here ask through
`of`. An app without it (scripts, a bare test app) finds none: its dossiers target every unit chosen, and the
assessment still leaves the units already held out (assessors/service.py)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from fastapi import Request
from sqlmodel import Session

from validation.dossiers.models import Dossier


@dataclass(frozen=True)
class HeldUnit:
    """One unit of the framework version asked about, validated earlier."""

    unit_id: int
    code: str
    title_fr: str
    title_en: str | None
    validated_on: date
    certificate: str | None  # the number of the certificate that attests it (None until one is issued)


# (session, candidate id, framework version id, the dossier asking or None at its opening) -> held units.
Finder = Callable[[Session, int, int, Dossier | None], list[HeldUnit]]


def of(request: Request, session: Session, candidate_id: int, framework_id: int, *,
       dossier: Dossier | None = None) -> list[HeldUnit]:
    """The held units, in the framework's order (none when the app was given no finder)."""
    finder: Finder | None = getattr(request.app.state, "held_units", None)
    return finder(session, candidate_id, framework_id, dossier) if finder else []


def of_dossier(request: Request, session: Session, dossier: Dossier) -> list[HeldUnit]:
    return of(request, session, dossier.candidate_id, dossier.framework_id, dossier=dossier)
