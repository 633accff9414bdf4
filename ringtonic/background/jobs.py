"""Every background job and task of the app, one line each (see ringtonic.background)."""

from ringtonic.background import periodic_job, task
from ringtonic.background.accounts import PASSWORD_RESET_TASK, send_password_reset
from ringtonic.background.call_handling import copy_recordings, expire_old_recordings, send_alerts
from ringtonic.background.webhooks import DELIVER_TASK, deliver_endpoint, enqueue_due_deliveries
from ringtonic.services.handling.blocks import purge_blocked_calls

task(DELIVER_TASK, deliver_endpoint)
task(PASSWORD_RESET_TASK, send_password_reset)
periodic_job("webhooks.enqueue_due_deliveries", enqueue_due_deliveries, minutes=1)
periodic_job("alerts.send", send_alerts, minutes=1)
periodic_job("recordings.copy", copy_recordings, minutes=1)
periodic_job("recordings.expire", expire_old_recordings, minutes=60)
periodic_job("handling.purge_blocked_calls", purge_blocked_calls, minutes=60)
