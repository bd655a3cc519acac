"""Form fields to input models, with one readable message when they do not fit."""

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from acquis.errors import Invalid
from acquis.i18n import N_, gettext

M = TypeVar("M", bound=BaseModel)

FIELD_LABELS = {
    "family_name": N_("Nom de famille"), "given_names": N_("Prénoms"), "usual_name": N_("Nom d'usage"),
    "sex": N_("Sexe"), "birth_date": N_("Date de naissance"), "nationality": N_("Nationalité"),
    "phone": N_("Téléphone"), "email": N_("Courriel"), "preferred_language": N_("Langue préférée"),
    "region": N_("Région"), "commune": N_("Commune"), "id_document_type": N_("Type de pièce"),
    "id_number": N_("Numéro de pièce"), "country": N_("Pays"), "city": N_("Ville"),
    "employer": N_("Employeur ou activité"), "job_title": N_("Métier ou poste"), "start_date": N_("Début"),
    "end_date": N_("Fin"), "hours_per_week": N_("Heures par semaine"), "tasks": N_("Tâches"),
    "proof_source": N_("Preuve disponible"), "kind": N_("Type de preuve"), "description": N_("Description"),
    "date_from": N_("Du"), "date_to": N_("Au"), "issuer": N_("Émetteur"), "issuer_contact": N_("Contact"),
    "purpose": N_("Objet de l'accord"), "method": N_("Mode de recueil"), "language": N_("Langue"),
}
# Pydantic's messages are English: the usual ones are said in the page's language instead.
PROBLEMS = {
    "missing": N_("à remplir"), "string_too_short": N_("à remplir"), "string_too_long": N_("trop long"),
    "string_pattern_mismatch": N_("caractères non permis"), "enum": N_("choix non valable"),
    "literal_error": N_("choix non valable"), "date_parsing": N_("date non valable (AAAA-MM-JJ)"),
    "date_from_datetime_parsing": N_("date non valable (AAAA-MM-JJ)"), "int_parsing": N_("nombre attendu"),
    "greater_than_equal": N_("nombre trop petit"), "less_than_equal": N_("nombre trop grand"),
    "too_long": N_("trop d'éléments"), "extra_forbidden": N_("champ inconnu"),
}
LIST_FIELDS = frozenset({"unit_ids", "criterion_ids"})
CHECKBOXES = frozenset({"literacy_support", "identity_seen"})


class FormInvalid(Invalid):
    """A form field does not fit; the message names it."""

    code = "invalid"


def fields(form: FormData, *, allowed: set[str]) -> dict[str, Any]:
    """The text fields of a form that the model knows; lists for multi-valued ones; files left out."""
    values: dict[str, Any] = {}
    for name in allowed:
        if name in LIST_FIELDS:
            values[name] = [value for value in form.getlist(name) if isinstance(value, str) and value.strip()]
        elif name in CHECKBOXES:
            values[name] = form.get(name) in ("on", "1", "true")
        elif isinstance(value := form.get(name), str):
            values[name] = value
    return values


def parse(model: type[M], form: FormData) -> M:
    """The form as `model`, or FormInvalid naming the first field that does not fit."""
    try:
        return model.model_validate(fields(form, allowed=set(model.model_fields)))
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        label = gettext(FIELD_LABELS[name]) if name in FIELD_LABELS else name
        known = PROBLEMS.get(first["type"])
        message = gettext(known) if known else first["msg"].removeprefix("Value error, ")
        if not label:
            raise FormInvalid(message) from None
        raise FormInvalid(gettext("Champ « %(field)s » : %(problem)s") % {"field": label, "problem": message}) \
            from None


def upload(form: FormData, name: str = "file") -> UploadFile | None:
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename is not None else None


async def read_form(request: Request) -> FormData:
    """The request's form (already parsed once by the CSRF check, then cached by Starlette)."""
    return await request.form(max_files=2, max_fields=400)


FormDep = Annotated[FormData, Depends(read_form)]
