"""The web client, declared once: where its built files are, which paths open its pages, and the security headers
every file is served with. `stacks/web.py` builds the S3 bucket and CloudFront distribution from this; the local
cloud serves the same files with the same headers on the API's origin (`local/web_client.py`)."""

from __future__ import annotations

WEB_DIST = "web/dist"  # what `make web` builds, relative to the project root
INDEX = "index.html"
CONFIG_FILE = "config.json"  # deployed beside the files in AWS: {api_url, websocket_url, card_tokenization_url}
# Paths (besides `/`) that open the single page: the report page of a tag (the URL in its QR code), the back
# office and the policyholder's pages. Anything else is a file of the build or an API route.
PAGE_PREFIXES = ("/t/", "/admin", "/account")


def content_security_policy(connect: tuple[str, ...] = ()) -> str:
    """A strict policy: scripts, styles, fonts and images from the client's own origin only, no inline code, no
    framing, no plugins; `connect` adds the API, WebSocket and card tokenization origins when they differ."""
    sources = " ".join(("'self'", *connect))
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {sources}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "manifest-src 'self'",
        )
    )


def security_headers(connect: tuple[str, ...] = ()) -> dict[str, str]:
    """Headers on every file of the client (CloudFront's response headers policy sets the same)."""
    return {
        "Content-Security-Policy": content_security_policy(connect),
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "geolocation=(self), camera=(), microphone=(), payment=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
