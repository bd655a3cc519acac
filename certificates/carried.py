"""Units carried from an earlier decision, with the certificate that attests them: what the intake pages list
(validation/dossiers/held.py, given to the app by acquis/main.py) and the origin a new certificate prints."""

from sqlmodel import Session

from assessors import service as assessment
from certificates import issuing
from validation.dossiers import service as dossiers
from validation.dossiers.held import HeldUnit
from validation.dossiers.models import Dossier
from validation.frameworks.models import Framework


def held_units(session: Session, candidate_id: int, framework_id: int, dossier: Dossier | None) -> list[HeldUnit]:
    """The units of this framework version the candidate holds from an earlier decision, in the framework's
    order, each with the day it was validated and the number of the certificate that attests it."""
    framework = session.get(Framework, framework_id)
    if framework is None:
        return []
    kept = assessment.held(session, candidate_id, framework, dossier=dossier)
    return [HeldUnit(unit_id=unit.id, code=unit.code, title_fr=unit.title_fr, title_en=unit.title_en,
                     validated_on=kept[unit.code].validated_on,
                     certificate=issuing.certificate_of(session, kept[unit.code].decision_id, unit.code))
            for unit in dossiers.framework_units(session, framework_id) if unit.code in kept]
