"""Forms for registration and sign-in."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired


class RegisterForm(FlaskForm):
    """Create an account: company, email, password."""

    company = StringField("Company", validators=[InputRequired("Enter your company name.")])
    email = EmailField("Email", validators=[InputRequired("Enter your email address.")])
    password = PasswordField(
        "Password",
        validators=[InputRequired("Choose a password.")],
        description="At least 10 characters.",
    )


class LoginForm(FlaskForm):
    """Sign in with email and password."""

    email = EmailField("Email", validators=[InputRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """An empty form: its CSRF token is what makes sign-out a safe POST."""


class AcceptInvitationForm(FlaskForm):
    """Join a team from an invitation: choose a password."""

    password = PasswordField(
        "Choose a password",
        validators=[InputRequired("Choose a password.")],
        description="At least 10 characters.",
    )


class ForgotPasswordForm(FlaskForm):
    """Ask for a link to choose a new password."""

    email = EmailField("Email", validators=[InputRequired("Enter your email address.")])


class ResetPasswordForm(FlaskForm):
    """Choose a new password from an e-mailed link."""

    password = PasswordField(
        "New password",
        validators=[InputRequired("Choose a password.")],
        description="At least 10 characters.",
    )
