"""Evidence files and links: content-based validation and a write-once, content-addressed store.

Pure Python and filesystem only; the workflow engine calls in here and keeps the database rows.
"""
