"""Forms of the workflow pages: evidence for a level, and the decisions taken on it.

The forms only parse and bound what was typed. Whether an action is allowed, and which inputs it
needs (a return comment, a revoke reason, evidence), is decided by `state_machines` through
`perform_action`; the views ask it and attach its answer to the right field.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from workflow_app.evidence.links import validate_link
from workflow_app.evidence.validation import EvidenceError
from workflow_app.workflow.operations import MAX_COMMENT_CHARS, MAX_NARRATIVE_CHARS

# A hint for the browser's file picker only: the store judges every file by its content.
ACCEPTED_EXTENSIONS = (
    ".pdf,.png,.jpg,.jpeg,.gif,.webp,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.txt,.csv"
)


class _PageForm(FlaskForm):
    class Meta:
        # CSRFProtect already checks every POST of the site; a second per-form token would only
        # put several tokens on one page.
        csrf = False


def _version_field() -> IntegerField:
    # The version the user saw: a stale page must not silently overwrite a newer decision.
    return IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class SubmitEvidenceForm(_PageForm):
    narrative = TextAreaField(
        _l("What was done for this level"), validators=[Length(max=MAX_NARRATIVE_CHARS)]
    )
    files = MultipleFileField(_l("Files"))
    links = TextAreaField(_l("Links, one per line"))
    expected_version = _version_field()

    def chosen_files(self) -> list[FileStorage]:
        """The files actually chosen: an untouched file input still sends one empty part."""
        return [f for f in self.files.data or [] if isinstance(f, FileStorage) and f.filename]

    def link_lines(self) -> list[str]:
        return [line.strip() for line in (self.links.data or "").splitlines() if line.strip()]

    def checked_links(self) -> list[str]:
        """The links, normalised; each bad one adds an error naming its line."""
        checked: list[str] = []
        for number, line in enumerate(self.link_lines(), start=1):
            try:
                checked.append(validate_link(line))
            except EvidenceError as error:
                self.links.errors = [
                    *self.links.errors,
                    _("Line %(n)s: %(message)s", n=number, message=error.message),
                ]
        return checked


class WorkflowActionForm(_PageForm):
    """Forward, return, approve, withdraw and revoke: one optional text and the version seen."""

    comment = TextAreaField(validators=[Length(max=MAX_COMMENT_CHARS)])
    publishable = BooleanField(_l("Publishable on the department's website"))
    expected_version = _version_field()
