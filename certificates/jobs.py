"""The certificates' scheduled job: signing the status lists and the revocation list again before they go
stale (registered by acquis/main.py)."""

from typing import Any

from acquis import jobs
from acquis.i18n import N_
from certificates.public_documents import refresh_public_documents


def refresh(context: jobs.Context) -> dict[str, Any]:
    return {"signed": len(refresh_public_documents(context.session, context.settings, now=context.now))}


PUBLIC_DOCUMENTS = jobs.Job("public-documents", N_("Listes de statut et de révocation : signer à nouveau"),
                            jobs.DAILY, refresh)
