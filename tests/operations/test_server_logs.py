"""What gunicorn's log configuration lets through when a worker starts."""

import subprocess
import sys

START_A_WORKER = """
import logging, logging.config
from ringtonic.observability.logs import gunicorn_logging
logging.config.dictConfig(gunicorn_logging("text"))
import flask_migrate  # what the app's extensions import, and Alembic with it
logging.getLogger("alembic.runtime.migration").warning("alembic warning kept")
logging.getLogger("ringtonic").info("app info kept")
"""


def test_a_worker_start_logs_no_alembic_plugin_lines_but_keeps_warnings():
    result = subprocess.run(
        [sys.executable, "-c", START_A_WORKER], capture_output=True, text=True, check=True
    )
    assert "setup plugin" not in result.stderr
    assert "alembic warning kept" in result.stderr
    assert "app info kept" in result.stderr
