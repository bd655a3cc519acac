"""The jury's procès-verbal as a PDF (WeasyPrint): members, votes, unit results, decision, signatures."""

from sqlmodel import Session

from acquis import dates, i18n, pdf
from acquis.web import make_templates
from assessors import labels, pages, service
from assessors.models import JuryDecision
from validation.dossiers import service as dossiers


def render_pdf(session: Session, decision: JuryDecision) -> bytes:
    """The PV in the current language; it loads nothing from outside (fonts come from fontconfig)."""
    dossier = service.load_dossier(session, decision.dossier_id)
    template = make_templates().env.get_template("assessors/pv_pdf.html")
    html = template.render(decision=decision, dossier=dossier, candidate=dossiers.candidate_of(session, dossier),
                           framework=service.framework(session, dossier), AL=labels, title=pages.title,
                           day=dates.day, why=labels.why, lang=i18n.current_language.get())
    return pdf.render_pdf(html)
