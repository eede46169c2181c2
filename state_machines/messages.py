"""Why an action is refused, in words: one English sentence per refusal code.

The API answers with these sentences; the pages show their translation. Each is marked with
`N_` so that the catalogue extraction (pybabel's default keywords) finds it here, the one place
it is written; `%(action)s` and `%(state)s` are filled with codes for the API and with the
translated labels on the pages.
"""

from __future__ import annotations


def N_(text: str) -> str:
    """Marks `text` for the translation catalogue; it is translated where it is shown."""
    return text


REFUSAL_MESSAGES: dict[str, str] = {
    "inactive_account": N_("This account is disabled."),
    "wrong_role": N_("Your role does not allow this action."),
    "out_of_scope": N_("This activity belongs to a unit outside your assignment."),
    "wrong_state": N_("'%(action)s' is not possible while the activity is '%(state)s'."),
    "own_submission": N_("Nobody may review, approve or return their own submission."),
    "reviewed_it": N_("You forwarded this submission, so someone else must approve or return it."),
    "not_the_submitter": N_("Only the officer who submitted the evidence may withdraw it."),
    "comment_required": N_("Returning evidence requires a comment for the officer."),
    "reason_required": N_("Revoking a certified level requires a reason."),
    "evidence_required": N_("A submission needs a narrative and at least one file or link."),
    "nothing_to_revoke": N_("No level has been certified yet, so there is nothing to revoke."),
    "pending_blocks_revoke": N_(
        "A submission is waiting for a decision ('%(state)s'); settle it (approve, return or "
        "withdraw) before revoking a certified level."
    ),
    "auditor_read_only": N_("Auditors have read-only access."),
    "admin_does_not_certify": N_(
        "Administrators manage the system; they do not submit, review or certify evidence."
    ),
}


def refusal_message(code: str, *, action: str, state: str) -> str:
    """The English sentence for `code`, naming the action and state by their codes."""
    return REFUSAL_MESSAGES[code] % {"action": action, "state": state}
