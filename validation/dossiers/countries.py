"""ISO 3166-1 countries with their names in the page's language (from Babel's CLDR data)."""

from functools import cache

from babel import Locale

from acquis import i18n

# CLDR also names regions that are not ISO 3166-1 countries (Ascension, Ceuta and Melilla, the EU...).
NOT_ISO_3166 = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"})


@cache
def _names(lang: str) -> dict[str, str]:
    territories = Locale.parse(lang).territories
    return {code: name for code, name in territories.items()
            if len(code) == 2 and code.isalpha() and code not in NOT_ISO_3166}


def codes() -> frozenset[str]:
    return frozenset(_names("en"))


def name(code: str | None) -> str:
    """The country's name in the current language; the code itself when unknown."""
    if not code:
        return ""
    return _names(i18n.current_language.get()).get(code, code)


def choices() -> list[tuple[str, str]]:
    """(code, name) sorted by name, for a select box; Mali and the usual host countries first."""
    names = _names(i18n.current_language.get())
    first = [code for code in ("ML", "SA", "CI", "FR", "AE", "QA", "SN", "GA", "ES", "IT") if code in names]
    rest = sorted((code for code in names if code not in first), key=lambda code: names[code])
    return [(code, names[code]) for code in first + rest]


def is_country(code: str | None) -> bool:
    return code is not None and code in _names("en")
