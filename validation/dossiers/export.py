"""A candidate's whole file, for them to take away: a JSON export and a PDF summary."""

from datetime import date
from typing import Any

from sqlmodel import Session

from acquis import i18n
from acquis.auth.models import User
from acquis.db import utcnow
from acquis.pdf import render_pdf
from acquis.web import make_templates
from validation.dossiers import consents, countries, evidence, portfolio, service, status, work_history
from validation.dossiers.models import Candidate, Dossier
from validation.dossiers.paper_codes import Printed

EXPORT_FORMAT = "acquis-candidate-export-1"


def candidate_data(session: Session, candidate: Candidate, *, user: User) -> dict[str, Any]:
    """Everything kept about the candidate (and the dossiers `user` may see); the ID number only by
    its last 4 characters."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "candidate": {
            "family_name": candidate.family_name, "given_names": candidate.given_names,
            "usual_name": candidate.usual_name, "sex": candidate.sex.value,
            "birth_date": candidate.birth_date.isoformat(), "nationality": candidate.nationality,
            "phone": candidate.phone, "email": candidate.email,
            "preferred_language": candidate.preferred_language.value, "region": candidate.region,
            "commune": candidate.commune, "literacy_support": candidate.literacy_support,
            "id_document_type": candidate.id_document_type.value, "id_number_last4": candidate.id_number_last4,
            "registered_at": candidate.created_at.isoformat(), "self_registered": candidate.self_registered,
        },
        "consents": [{
            "purpose": c.purpose.value, "method": c.method.value, "language": c.language.value,
            "text_version": c.text_version, "given_at": c.given_at.isoformat(),
            "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
        } for c in consents.history(session, candidate.id)],
        "work_history": [{
            "country": job.country, "city": job.city, "employer": job.employer, "job_title": job.job_title,
            "start_date": job.start_date.isoformat(), "end_date": _iso(job.end_date),
            "hours_per_week": job.hours_per_week, "tasks": job.tasks, "proof_source": job.proof_source,
        } for job in work_history.timeline(session, candidate.id)],
        "dossiers": [_dossier(session, dossier) for dossier in
                     service.visible(session, user=user, candidate_id=candidate.id)],
    }


def _dossier(session: Session, dossier: Dossier) -> dict[str, Any]:
    framework = service.framework_of(session, dossier)
    items = evidence.of_dossier(session, dossier.id)
    links = evidence.links_of(session, [item.id for item, _ in items])
    unit_codes = {unit.id: unit.code for unit in service.units(session, dossier.id)}
    return {
        "id": dossier.id, "status": dossier.status.value,
        "framework": {"code": framework.code, "version": framework.version, "title": framework.title_fr},
        "units": list(unit_codes.values()),
        "history": [{"from": change.from_status.value if change.from_status else None, "to": change.to_status.value,
                     "at": change.at.isoformat(), "by": change.actor_kind, "reason": change.reason}
                    for change in service.history(session, dossier.id)],
        "evidence": [{
            "id": item.id, "kind": item.kind.value, "description": item.description, "sha256": item.sha256,
            "size": blob.size, "media_type": blob.media_type, "original_name": item.original_name,
            "date_from": _iso(item.date_from), "date_to": _iso(item.date_to), "country": item.country,
            "issuer": item.issuer, "issuer_contact": item.issuer_contact,
            "verification": item.verification.value, "summary": item.summary,
            "attester": {"name": item.attester_name, "role": item.attester_role,
                         "relationship": item.attester_relationship, "reached_by": item.attester_reached_by}
            if item.attester_name else None,
            "units": sorted({unit_codes.get(link.unit_id, "") for link in links[item.id]}),
            "uploaded_at": item.uploaded_at.isoformat(),
        } for item, blob in items],
        "portfolio_snapshots": [{"manifest_sha256": snap.manifest_sha256, "submitted_at": snap.created_at.isoformat()}
                                for snap in portfolio.snapshots(session, dossier.id)],
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def summary_pdf(session: Session, candidate: Candidate, *, user: User, paper: Printed | None = None) -> bytes:
    """A printable summary in the current language: identity, consents, work abroad, dossiers; with `paper`,
    the form's code and QR in the corner of its first page."""
    data = candidate_data(session, candidate, user=user)
    template = make_templates().env.get_template("validation/dossiers/summary_pdf.html")
    html = template.render(data=data, candidate=candidate, label=status.label, country=countries.name,
                           lang=i18n.current_language.get(), today=utcnow().date(), paper=paper)
    return render_pdf(html)
