"""The workflow engine: submissions, decisions and the one function that fires actions."""
