"""WSGI entry point: gunicorn wsgi:app."""

import sys

from ringtonic import create_app
from ringtonic.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"Configuration error: {exc}")
