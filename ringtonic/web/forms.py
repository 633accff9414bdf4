"""Forms of the app shell."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired


class SwitchWorkspaceForm(FlaskForm):
    """Choose the current workspace (the select is rendered by the template)."""

    workspace = HiddenField("Workspace", validators=[InputRequired()])
