"""E-mail notifications: who hears of a workflow transition, the daily digest, the SMTP sender.

Everything here runs after the fact: a transition is committed before anyone is told, and no
failure to tell anyone reaches the caller (it is retried, then logged)."""
