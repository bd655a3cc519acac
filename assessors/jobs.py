"""The assessment's scheduled job: partial certificates become final once their appeal window closes, daily
(registered by acquis/main.py)."""

from typing import Any

from acquis import jobs
from acquis.i18n import N_
from assessors import appeals


def appeal_windows(context: jobs.Context) -> dict[str, Any]:
    done = appeals.finalise_partial(context.session, settings=context.settings, today=context.now.date())
    return {"certified": len(done)}


APPEAL_WINDOWS = jobs.Job("appeal-windows", N_("Certificats partiels : définitifs à la fin du délai de recours"),
                          jobs.DAILY, appeal_windows)
