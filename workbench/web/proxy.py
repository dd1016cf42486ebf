"""Behind a reverse proxy (nginx), the visitor's address and scheme arrive in X-Forwarded-For and
X-Forwarded-Proto. TRUSTED_PROXIES says how many proxies set them: with 1, the last address nginx appended is
the visitor's (the login limits count it), and a request that came over HTTPS is seen as secure. With 0 (the
default) these headers are ignored, since anyone can send them: behind nginx every visitor would then have
nginx's address, which `flask check-config` points out."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trusted_proxies(value: object) -> int:
    """The setting as a count; RuntimeError for anything but a whole number from 0 to 5."""
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isdigit() or int(text) > 5:
        raise RuntimeError(f"TRUSTED_PROXIES must be a whole number of proxies (0 to 5), not {value!r}.")
    return int(text)


def init_proxy(app: Flask) -> None:
    count = trusted_proxies(app.config.get("TRUSTED_PROXIES", 0))
    app.config["TRUSTED_PROXIES"] = count
    if count:
        # Host and path prefix stay as the proxy passes them (nginx: proxy_set_header Host $host): trusting
        # X-Forwarded-Host too would let a visitor choose the host of the links in their own pages.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
