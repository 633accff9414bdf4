"""gunicorn's own access log, as deployed, never shows an invitation link's token."""

from __future__ import annotations

import requests

from ringtonic.extensions import db
from ringtonic.models import Workspace
from ringtonic.services.accounts.invitations import create_invitation


def test_invitation_tokens_are_redacted_from_the_access_log(scene, start_server):
    with scene.app.app_context():
        account = db.session.get(Workspace, scene.workspace_id).account
        _, token = create_invitation(account, "new.hire@example.com", "member", None, None)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    server = start_server()

    opened = requests.get(server.url(f"/invitations/{token}"), timeout=10)
    unknown = requests.get(server.url(f"/invitations/{token[::-1]}?from=mail"), timeout=10)

    assert opened.status_code == 200 and "new.hire@example.com" in opened.text
    assert unknown.status_code == 404
    server.stop()  # the access log is complete once the workers have exited
    log = server.log()
    assert token not in log and token[::-1] not in log
    assert log.count("GET /invitations/[redacted] HTTP/1.1") == 2
