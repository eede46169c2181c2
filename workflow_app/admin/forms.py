"""Administration forms. Unit choices are filled in by the views (they come from the database).

Field names differ between the forms shown on one page, so labels and ids never clash; each form
posts to its own address and only that form is validated.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from state_machines import Role
from workflow_app.accounts.admin_operations import MAX_DISPLAY_NAME, MAX_UNIT_NAME
from workflow_app.accounts.operations import USERNAME_PATTERN
from workflow_app.accounts.passwords import MIN_PASSWORD_LENGTH
from workflow_app.web.context import role_label

SHA256_PATTERN = r"^[0-9a-f]{64}$"


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, role_label(role.value)) for role in Role]


def _password_field(label: str) -> PasswordField:
    return PasswordField(
        label, validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)]
    )


class CreateUserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Regexp(
                USERNAME_PATTERN,
                message=_l("3–80 letters, digits, dots, dashes or underscores."),
            ),
        ],
    )
    display_name = StringField(_l("Display name"), validators=[Length(max=MAX_DISPLAY_NAME)])
    password = _password_field(_l("Initial password"))
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    unit = SelectField(_l("Unit"), coerce=int, validators=[DataRequired()])


class DisplayNameForm(FlaskForm):
    display_name = StringField(
        _l("Display name"), validators=[DataRequired(), Length(max=MAX_DISPLAY_NAME)]
    )


class GrantForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    unit = SelectField(_l("Unit (and its sub-units)"), coerce=int, validators=[DataRequired()])


class PasswordResetForm(FlaskForm):
    temporary_password = _password_field(_l("Temporary password"))
    confirm_password = PasswordField(
        _l("Repeat the temporary password"),
        validators=[
            DataRequired(),
            EqualTo("temporary_password", message=_l("The passwords differ.")),
        ],
    )


class ActionForm(FlaskForm):
    """A button with nothing but the CSRF token: disable, enable, revoke."""


class UnitCreateForm(FlaskForm):
    # 0 stands for "no parent" (a new department): SelectField needs a real value to post.
    parent = SelectField(_l("Parent unit"), coerce=int)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=MAX_UNIT_NAME)])


class UnitRenameForm(FlaskForm):
    new_name = StringField(_l("New name"), validators=[DataRequired(), Length(max=MAX_UNIT_NAME)])


class PlanUploadForm(FlaskForm):
    document = FileField(_l("Plan document (.txt, UTF-8)"), validators=[FileRequired()])


class PlanConfirmForm(FlaskForm):
    # Only the hash travels through the browser; the document itself stays on the server.
    sha256 = HiddenField(validators=[DataRequired(), Regexp(SHA256_PATTERN)])
