"""Work done after the fact, outside the request, from the database.

A job is written in the same transaction as the change that calls for it (`queue`), or made
from the application's own committed records read after a cursor (`cursors`): either way it
exists exactly when that change committed. Workers on any host claim due jobs with a lease and
run them, at least once, with retries and back-off (`worker`).
"""
