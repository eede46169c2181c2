"""Work done after the fact, outside the request: a transactional outbox of jobs in the database.

A job is written in the same transaction as the change that calls for it, so it exists exactly
when that change committed; workers on any host claim due jobs with a lease and run them, at
least once, with retries and back-off.
"""
