"""What every dossier page template is given: labels, dates (acquis.dates), country names, steps."""

from datetime import date
from typing import Any

from acquis import dates
from acquis.auth.models import ROLE_LABELS
from acquis.db import utcnow
from acquis.i18n import N_, gettext
from validation.dossiers import countries, labels, media, status, work_history
from validation.dossiers.models import UPLOAD_KINDS, EvidenceKind

PICTOGRAMS: dict[str, str] = {
    EvidenceKind.PHOTO_OF_WORK: "photo", EvidenceKind.VIDEO_OF_WORK: "video",
    EvidenceKind.ORAL_NARRATIVE: "audio", EvidenceKind.THIRD_PARTY_ATTESTATION: "people",
    EvidenceKind.IDENTITY_DOCUMENT: "id",
}


def today() -> date:
    return utcnow().date()


def actor_label(kind: str) -> str:
    """Who made a move, by role: the history names roles, not people."""
    return gettext(ROLE_LABELS.get(kind, N_("automatique")))


def pictogram(kind: EvidenceKind | str) -> str:
    """The pictogram of an evidence kind; frameworks may name kinds of their own (then a document)."""
    return PICTOGRAMS.get(kind, "document")


def context(**values: Any) -> dict[str, Any]:
    """The shared helpers, then the page's own values."""
    return {
        "L": labels, "S": status.DossierStatus, "status_label": status.label, "next_step": status.NEXT_STEPS,
        "steps": status.STEPS, "actor_label": actor_label, "step_of": status.step_of,
        "day": dates.day, "when": dates.moment,
        "country_name": countries.name, "country_choices": countries.choices, "upload_kinds": UPLOAD_KINDS,
        "pictogram": pictogram, "is_image": lambda media_type: media_type in media.IMAGES,
        "job_months": work_history.job_months, "today_date": today(),
        **values,
    }
