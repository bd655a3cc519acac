"""The SMS sender as a scheduled job: every minute, one run across every worker and instance."""

from datetime import timedelta
from typing import Any

from acquis import jobs
from acquis.i18n import N_
from acquis.sms import sender


def _send(context: jobs.Context) -> dict[str, Any]:
    return sender.send_pending(context.engine, context.settings, now=context.now)


SEND = jobs.Job("sms", N_("Envoi des SMS en attente"), jobs.Schedule(timedelta(minutes=1)), _send,
                lease=timedelta(hours=1), retry=timedelta(minutes=1))
