"""HTTP clients for the live tests: a browser that fills forms, a Twilio sender, a tally."""

from __future__ import annotations

import re
import threading
from collections import Counter

import requests
from twilio.request_validator import RequestValidator

from tests.live.servers import LiveServer
from tests.support.telephony_helpers import AUTH_TOKEN

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION_RE = re.compile(r'name="submission" type="hidden" value="([^"]+)"')
WORKSPACE_RE = re.compile(r'type="hidden" name="form_workspace" value="([^"]+)"')
NEW_KEY_RE = re.compile(r'<code id="new-api-key">([^<]+)</code>')
TIMEOUT = 30


def run_all(jobs, timeout: float = 300) -> None:
    """Run each job in its own thread at once; re-raise the first failure of any of them."""
    failures: list[BaseException] = []

    def guarded(job):
        def run() -> None:
            try:
                job()
            except BaseException as error:  # reported in the test's thread below
                failures.append(error)

        return run

    threads = [threading.Thread(target=guarded(job), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    if failures:
        raise failures[0]


class Tally:
    """Statuses (and connection failures) seen by many threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.errors: list[str] = []

    def add(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1

    def failed(self, error: Exception) -> None:
        with self.lock:
            self.errors.append(type(error).__name__)

    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


class Browser:
    """A person in a browser: a cookie session, forms with their CSRF tokens."""

    def __init__(self, server: LiveServer, tally: Tally) -> None:
        self.server = server
        self.tally = tally
        self.http = requests.Session()
        self.signed_in = False

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.http.request(
            method, self.server.url(path), timeout=TIMEOUT, allow_redirects=False, **kwargs
        )
        self.tally.add(response.status_code)
        return response

    def form_values(self, path: str) -> dict[str, str]:
        """GET a page and return its hidden fields: CSRF token, workspace, submission id."""
        page = self.request("GET", path).text
        values = {"csrf_token": CSRF_RE.search(page).group(1)}
        workspace = WORKSPACE_RE.search(page)
        if workspace:
            values["form_workspace"] = workspace.group(1)
        submission = SUBMISSION_RE.search(page)
        if submission:
            values["submission"] = submission.group(1)
        return values

    def sign_in(self, email: str, password: str) -> None:
        data = {**self.form_values("/login"), "email": email, "password": password}
        response = self.request("POST", "/login", data=data)
        assert response.status_code == 302, response.text[:300]
        self.signed_in = True

    def create_key(self, name: str) -> tuple[int, str | None]:
        """Create a read-only key through Settings → API Keys; return the status and key."""
        data = {**self.form_values("/settings/api-keys"), "name": name, "access": "read"}
        response = self.request("POST", "/settings/api-keys", data=data)
        match = NEW_KEY_RE.search(response.text)
        return response.status_code, match.group(1) if match else None

    def key_uuid(self, name: str) -> str:
        """Find the revoke link of the active key called `name` on the keys page."""
        page = self.request("GET", "/settings/api-keys").text
        link = re.search(
            r'href="/settings/api-keys/([0-9a-f-]{36})/revoke"[^>]*'
            + re.escape(f'aria-label="Revoke {name}"'),
            page,
        )
        assert link, f"no revoke link for {name}"
        return link.group(1)

    def revoke_key(self, key_uuid: str) -> int:
        path = f"/settings/api-keys/{key_uuid}/revoke"
        return self.request("POST", path, data=self.form_values(path)).status_code


def api_get(server: LiveServer, secret: str, tally: Tally, path: str = "/api/v1/me"):
    """GET an API path with a key (a fresh connection, as integrations make)."""
    response = requests.get(
        server.url(path), headers={"Authorization": f"Bearer {secret}"}, timeout=TIMEOUT
    )
    tally.add(response.status_code)
    return response


def send_webhook(server: LiveServer, path: str, params: dict, tally: Tally) -> int:
    """POST a webhook signed for the URL the server sees, as Twilio does; return the status."""
    url = server.url(path)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    response = requests.post(
        url, data=params, headers={"X-Twilio-Signature": signature}, timeout=TIMEOUT
    )
    tally.add(response.status_code)
    return response.status_code


def post_login_attempts(server, tally: Tally, answers: list, count: int):
    """Return a job: sign-in attempts with empty fields (refused quickly, still counted)."""

    def attempt() -> None:
        browser = Browser(server, tally)
        token = browser.form_values("/login")
        for _ in range(count):
            response = browser.request("POST", "/login", data=token)
            answers.append((response.status_code, response.headers.get("Retry-After")))

    return attempt
