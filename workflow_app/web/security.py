"""Response headers that keep pages from being framed, sniffed or fed outside scripts."""

from __future__ import annotations

from flask import Flask, Response

# Everything is served from this site: no CDN, no inline script or style. `data:` images are for
# Bootstrap's built-in SVG icons in its stylesheet.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def api_response_headers(response: Response) -> Response:
    """For JSON APIs (registered by each API blueprint): answers depend on who asks, and some
    are confidential, so no cache may keep them; a 401 names the Bearer scheme (RFC 6750)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def register(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if response.mimetype == "text/html":
            # Pages show personal work queues: never keep them in shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
