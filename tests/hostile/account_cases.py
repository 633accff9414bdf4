"""Hostile input through registration, sign-in and password changes."""

from __future__ import annotations

from tests.hostile.checks import IMG, LONG, redirects_to, signs_in_with
from tests.hostile.stage import ADMIN_EMAIL, form
from tests.support.web_client import PASSWORD

PROFILE = "/settings/profile"

ACCOUNT_CASES = [
    # Passwords
    form(
        "password-emoji",
        PROFILE,
        {"current_password": PASSWORD, "new_password": "🔑🔑🔑 secret horse"},
        302,
        check=signs_in_with(ADMIN_EMAIL, "🔑🔑🔑 secret horse"),
    ),
    form(
        "password-over-72-bytes",
        PROFILE,
        {"current_password": PASSWORD, "new_password": "🔑" * 19},
        400,
        "at most 72 bytes",
    ),
    form(
        "password-nul",
        PROFILE,
        {"current_password": PASSWORD, "new_password": "correct\x00horse battery"},
        400,
        "NUL character",
    ),
    form(
        "password-current-overlong",
        PROFILE,
        {"current_password": LONG, "new_password": "x" * 12},
        400,
        "Current password is incorrect.",
    ),
    # Registration and sign-in (signed out)
    form(
        "register-email-nul",
        "/register",
        {"company": "Co", "email": "a\x00b@example.com", "password": PASSWORD},
        400,
        "Enter a valid email address",
        signed_out=True,
    ),
    form(
        "register-email-literal",
        "/register",
        {"company": "Co", "email": "root@[127.0.0.1]", "password": PASSWORD},
        400,
        "Enter a valid email address",
        signed_out=True,
    ),
    form(
        "register-company-overlong",
        "/register",
        {"company": LONG, "email": "new@example.com", "password": PASSWORD},
        400,
        "at most 120 characters",
        signed_out=True,
    ),
    form(
        "register-company-nul",
        "/register",
        {"company": "Co\x00", "email": "new@example.com", "password": PASSWORD},
        400,
        "control characters",
        signed_out=True,
    ),
    form(
        "register-password-nul",
        "/register",
        {"company": "Co", "email": "new@example.com", "password": "\x00" * 12},
        400,
        "NUL character",
        signed_out=True,
    ),
    form(
        "register-password-73-bytes",
        "/register",
        {"company": "Co", "email": "new@example.com", "password": "é" * 37},
        400,
        "at most 72 bytes",
        signed_out=True,
    ),
    form(
        "register-company-html",
        "/register",
        {"company": IMG, "email": "new@example.com", "password": PASSWORD},
        302,
        signed_out=True,
        check=signs_in_with("new@example.com", PASSWORD),
    ),
    form(
        "register-password-emoji",
        "/register",
        {"company": "Emoji Co", "email": "emoji@example.com", "password": "correct 🐴 battery"},
        302,
        signed_out=True,
        check=signs_in_with("emoji@example.com", "correct 🐴 battery"),
    ),
    form(
        "login-email-nul",
        "/login",
        {"email": "admin\x00@example.com", "password": PASSWORD},
        400,
        "Invalid email or password.",
        signed_out=True,
    ),
    form(
        "login-email-sql",
        "/login",
        {"email": "' OR '1'='1' --", "password": "' OR '1'='1"},
        400,
        "Invalid email or password.",
        signed_out=True,
    ),
    form(
        "login-password-overlong",
        "/login",
        {"email": ADMIN_EMAIL, "password": LONG},
        400,
        "Invalid email or password.",
        signed_out=True,
    ),
    form(
        "login-next-offsite",
        "/login?next=//evil.example/",
        {"email": ADMIN_EMAIL, "password": PASSWORD},
        302,
        signed_out=True,
        check=redirects_to("/"),
    ),
    form(
        "login-next-unsplittable",
        "/login?next=//[evil.example",
        {"email": ADMIN_EMAIL, "password": PASSWORD},
        302,
        signed_out=True,
        check=redirects_to("/"),
    ),
    form(
        "login-next-javascript",
        "/login?next=javascript:alert(1)",
        {"email": ADMIN_EMAIL, "password": PASSWORD},
        302,
        signed_out=True,
        check=redirects_to("/"),
    ),
]
