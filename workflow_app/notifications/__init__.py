"""E-mail notifications: who hears of a workflow transition, the daily digest, the SMTP sender.

Nothing here runs in a request, and the engine knows nothing of it. The outbox worker (`flask
notify worker`) reads the workflow decisions committed since it last looked, queues one e-mail
job per person to tell, and sends each with retries (`jobs`).
"""
