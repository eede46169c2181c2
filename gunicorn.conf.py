"""gunicorn settings for production (`make serve`); every value can be overridden by the
environment, e.g. WEB_CONCURRENCY=8 BIND=0.0.0.0:8000."""

import gc
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers: requests are short and database-bound; two per core is the usual start.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = int(os.environ.get("WORKER_TIMEOUT", 60))
graceful_timeout = 30
# No preload: each worker opens its own database pool after the fork, never sharing sockets.
preload_app = False
# The application writes one JSON line per request itself; gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190


def post_worker_init(worker: object) -> None:
    """The application is loaded and lives as long as the worker: move its objects (models,
    statements, catalogues) out of the garbage collector's way, or every full collection walks
    them all again (about half a millisecond a page)."""
    gc.freeze()
