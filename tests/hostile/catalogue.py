"""The hostile input catalogue: every case, and the answer it must get, by channel.

Each channel's cases live in its own module; to cover a new endpoint, add cases to the
channel's list (API cases use `api(...)`, PATCH bodies `patch_case(...)`). Refused cases must leave
the database untouched; accepted ones (odd but valid input, like emoji in a name) must come
back escaped wherever they are shown.
"""

from __future__ import annotations

from tests.hostile.account_cases import ACCOUNT_CASES
from tests.hostile.api_cases import API_CASES
from tests.hostile.api_v1_cases import API_V1_CASES
from tests.hostile.form_cases import FORM_CASES
from tests.hostile.handling_cases import HANDLING_CASES
from tests.hostile.import_cases import IMPORT_CASES
from tests.hostile.stage import Case
from tests.hostile.webhook_cases import WEBHOOK_CASES

CASES: list[Case] = (
    FORM_CASES
    + ACCOUNT_CASES
    + API_CASES
    + API_V1_CASES
    + WEBHOOK_CASES
    + IMPORT_CASES
    + HANDLING_CASES
)
