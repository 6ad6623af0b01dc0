"""Serves the NHS.UK frontend assets from node_modules and plotly.js from the plotly package: no CDN.

The NHS.UK stylesheet itself is built by scripts/install from static/scss/nhsuk.scss into static/build/nhsuk.css,
without the package's @font-face rules that fetch Frutiger from assets.nhs.uk (the CSP allows fonts from this host
only); its images and icons still come from /assets/ below."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import plotly
from flask import Flask, abort, current_app, url_for
from werkzeug.security import safe_join

from trainee_portal import compression
from trainee_portal.compression import send_asset
from trainee_portal.policy import public

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
NHSUK_STYLESHEET = "build/nhsuk.css"  # under the app's static folder


@lru_cache(maxsize=None)
def _fingerprint(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def init_app(app: Flask) -> None:
    compression.init_app(app)
    frontend = Path(app.config["NHSUK_FRONTEND_DIR"])
    if not (frontend / "nhsuk-frontend.min.css").exists():
        app.logger.warning("NHS.UK frontend assets not found at %s: run `npm ci` (scripts/run does).", frontend)
    stylesheet = Path(app.static_folder) / NHSUK_STYLESHEET
    if not stylesheet.exists():
        app.logger.warning(
            "NHS.UK stylesheet not built at %s: pages will have no styles. Run scripts/install "
            "(or `npm run build:css`).", stylesheet,
        )

    @app.route("/assets/<path:filename>")
    @public
    def nhsuk_asset(filename: str):
        for base in (frontend, frontend / "assets"):
            candidate = safe_join(str(base), filename)
            if candidate and Path(candidate).is_file():
                return send_asset(Path(candidate))
        abort(404)

    @app.route("/vendor/plotly.min.js")
    @public
    def plotly_js():
        return send_asset(PLOTLY_DIR / "plotly.min.js", mimetype="text/javascript")

    @app.context_processor
    def asset_urls():
        return {"asset_url": versioned_asset_url}


def versioned_asset_url(kind: str, filename: str | None = None) -> str:
    """URLs carry a content hash, so browsers cache for a year and still see new releases at once."""
    if kind == "plotly":
        path = PLOTLY_DIR / "plotly.min.js"
        return url_for("plotly_js", v=_fingerprint(str(path)))
    if kind == "nhsuk":
        path = Path(current_app.config["NHSUK_FRONTEND_DIR"]) / filename
        version = _fingerprint(str(path)) if path.exists() else "missing"
        return url_for("nhsuk_asset", filename=filename, v=version)
    path = Path(current_app.static_folder) / filename
    version = _fingerprint(str(path)) if path.exists() else "missing"
    return url_for("static", filename=filename, v=version)
