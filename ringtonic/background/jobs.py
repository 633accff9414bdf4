"""Every background job and task of the app, one line each (see ringtonic.background)."""

from ringtonic.background import periodic_job, task
from ringtonic.services.webhooks.delivery import deliver_endpoint
from ringtonic.services.webhooks.outbox import enqueue_due_deliveries

task("webhooks.deliver_endpoint", deliver_endpoint)
periodic_job("webhooks.enqueue_due_deliveries", enqueue_due_deliveries, minutes=1)
