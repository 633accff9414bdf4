"""What the live tests' seed is called and how their in-process apps are configured."""

from __future__ import annotations

from ringtonic.extensions import db
from ringtonic.models import Workspace
from tests.support.web_client import TEST_SECRET
from tests.support.website import add_pool

# The seed's admin, whose password is tests.support.web_client.PASSWORD.
ADMIN_EMAIL = "live-admin@example.com"
# The website-tracking pool the live tracker tests lease from.
POOL = 40


def live_app_config(url: str, instance) -> dict:
    """Return the configuration of an in-process app on the live test's database."""
    return {
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance),
    }


def keys_in_text(text_to_search: str, secrets: list[str]) -> list[str]:
    """Return the keys (by their last characters) that appear in the text."""
    return [secret[-4:] for secret in secrets if secret[len("ringtonic_") :] in text_to_search]


def add_live_pool(scene) -> None:
    """Give the live workspace a website-tracking pool of POOL numbers (committed)."""
    with scene.app.app_context():
        add_pool(db.session.get(Workspace, scene.workspace_id), POOL)
        db.session.remove()
