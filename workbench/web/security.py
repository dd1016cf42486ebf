"""Response headers that keep the browser strict (no inline script, no framing, no sniffing, no caching of
anything but static files), and a session that a refused request cannot create or replace."""

from __future__ import annotations

from flask import Flask, Request, Response, g, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

#: Set in `g` when a request failed its CSRF check: its response must not set the session or remember cookie.
CSRF_FAILED = "csrf_failed"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def init_security_headers(app: Flask) -> None:
    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["PRODUCTION"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages differ for htmx requests (fragments) and for logged-in people: never share them in caches.
        response.vary.add("HX-Request")
        response.vary.add("Cookie")
        if not _is_static(request):
            # Pages and downloads (PDF, XLSX, JSON exports) carry personal and financial data.
            headers["Cache-Control"] = "no-store"
        return response


def _is_static(req: Request) -> bool:
    endpoint = req.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


class GuardedSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions, except that a request refused for CSRF sets no session or remember cookie.

    Such a request may come from another site: answering it with a new session would log the victim out
    (and, with a remember cookie, quietly back in) on a page the attacker chose.
    """

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if g.get(CSRF_FAILED):
            guarded = (
                self.get_cookie_name(app),
                app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
            )
            cookies = response.headers.getlist("Set-Cookie")
            response.headers.remove("Set-Cookie")
            for cookie in cookies:
                if not cookie.startswith(tuple(f"{name}=" for name in guarded)):
                    response.headers.add("Set-Cookie", cookie)
            return
        super().save_session(app, session, response)
