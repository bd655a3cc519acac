"""The dossiers' scheduled job: warning and lapsing idle dossiers, daily (registered by acquis/main.py)."""

from typing import Any

from acquis import jobs
from acquis.i18n import N_
from validation.dossiers.lapse import lapse_idle_dossiers


def lapse(context: jobs.Context) -> dict[str, Any]:
    report = lapse_idle_dossiers(context.session, now=context.now, settings=context.settings)
    return {"warned": len(report.warned), "lapsed": len(report.lapsed)}


LAPSE = jobs.Job("lapse", N_("Dossiers inactifs : avertir, puis déclarer caducs"), jobs.DAILY, lapse)
