"""Serves the NHS.UK frontend assets and Swagger UI from node_modules and plotly.js from the plotly package: no CDN.

Flask-Compress compresses every response (brotli, else gzip). An asset's URL carries a hash of its content, so it is
cached by browsers for a year, and its compressed bytes are kept in memory by each worker: plotly.min.js (4.8 MB raw,
1.3 MB as brotli) is compressed once per worker, not once per request.

The NHS.UK stylesheet itself is built by scripts/install from static/scss/nhsuk.scss into static/build/nhsuk.css,
without the package's @font-face rules that fetch Frutiger from assets.nhs.uk (the CSP allows fonts from this host
only); its images and icons still come from /assets/ below."""

from __future__ import annotations

import hashlib
import mimetypes
from functools import cache
from pathlib import Path

import plotly
from flask import Flask, Request, abort, current_app, request, send_file, url_for
from werkzeug.security import safe_join

from trainee_portal.extensions import compress
from trainee_portal.policy import public

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
SWAGGER_UI_DIR = Path(__file__).resolve().parents[2] / "node_modules" / "swagger-ui-dist"
# The files of swagger-ui-dist the API's interactive documentation (/api/v1/docs) loads, and their source maps.
SWAGGER_UI_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-bundle.js.map", "swagger-ui.css.map")
YEAR = 31536000
ASSET_KEY = "asset:"  # the start of a compression cache key that names a fingerprinted file
ASSET_KEY_ENVIRON = "trainee_portal.asset_cache_key"
NHSUK_STYLESHEET = "build/nhsuk.css"  # under the app's static folder


@cache
def _fingerprint(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


class AssetCompressionCache:
    """Flask-Compress's cache of compressed bodies, holding fingerprinted assets only.

    Flask-Compress looks up every compressed response by "<encoding>;<COMPRESS_CACHE_KEY(request)>". A page's key
    is empty, so pages are never stored (each page is compressed afresh); an asset's key names its file and content
    hash, so the cache holds at most two variants (br, gzip) of each file shipped, whatever URLs clients ask for.
    """

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.partition(";")[2].startswith(ASSET_KEY):
            self._data[key] = value


def compression_cache_key(asset_request: Request) -> str:
    # Kept in the request's environ, not on g: g outlives a request when an app context is already pushed (tests).
    return asset_request.environ.get(ASSET_KEY_ENVIRON, "")


COMPRESSION_SETTINGS = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_BR_LEVEL": 5,  # plotly: 1.29 MB in 0.2 s (level 4: 1.41 MB); a 250 KB page about 4 ms
    "COMPRESS_LEVEL": 6,  # gzip
    "COMPRESS_MIN_SIZE": 1024,
    # Streamed bodies (CSV exports, evidence attachments, files under static/) go out as they are: compressing a
    # stream would give up its Content-Length and the conditional GET.
    "COMPRESS_STREAMS": False,
    "COMPRESS_CACHE_BACKEND": AssetCompressionCache,
    "COMPRESS_CACHE_KEY": compression_cache_key,
}


def init_app(app: Flask) -> None:
    for name, value in COMPRESSION_SETTINGS.items():
        app.config.setdefault(name, value)
    compress.init_app(app)
    frontend = Path(app.config["NHSUK_FRONTEND_DIR"])
    if not (frontend / "nhsuk-frontend.min.css").exists():
        app.logger.warning("NHS.UK frontend assets not found at %s: run `npm ci` (scripts/run does).", frontend)
    stylesheet = Path(app.static_folder) / NHSUK_STYLESHEET
    if not stylesheet.exists():
        app.logger.warning(
            "NHS.UK stylesheet not built at %s: pages will have no styles. Run scripts/install (or `npm run build:css`).",
            stylesheet,
        )

    @app.route("/assets/<path:filename>")
    @public
    def nhsuk_asset(filename: str):
        for base in (frontend, frontend / "assets"):
            candidate = safe_join(str(base), filename)
            if candidate and Path(candidate).is_file():
                return send_asset(Path(candidate))
        abort(404)

    def static_file(filename: str):
        """The app's own static files (its stylesheets, the built NHS.UK stylesheet, scripts) served like the other
        assets, so they are compressed once per worker and cached for a year by their fingerprinted URLs."""
        candidate = safe_join(str(app.static_folder), filename)
        if not candidate or not Path(candidate).is_file():
            abort(404)
        return send_asset(Path(candidate))

    app.view_functions["static"] = public(static_file)

    @app.route("/vendor/plotly.min.js")
    @public
    def plotly_js():
        return send_asset(PLOTLY_DIR / "plotly.min.js", mimetype="text/javascript")

    @app.route("/vendor/swagger-ui/<filename>")
    @public
    def swagger_ui_asset(filename: str):
        if filename not in SWAGGER_UI_FILES or not (SWAGGER_UI_DIR / filename).is_file():
            abort(404)
        return send_asset(SWAGGER_UI_DIR / filename)

    @app.context_processor
    def asset_urls():
        return {"asset_url": versioned_asset_url}


def send_asset(path: Path, mimetype: str | None = None):
    """The file at path, cacheable for a year (its URL carries a hash); Flask-Compress compresses it once per worker."""
    fingerprint = _fingerprint(str(path))
    mimetype = mimetype or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    response = send_file(path, mimetype=mimetype, max_age=YEAR, etag=fingerprint, conditional=False)
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.make_conditional(request)  # If-None-Match / If-Modified-Since: a 304 with no body
    if response.status_code == 200:
        # A body in memory rather than a stream: Flask-Compress compresses (and caches) only such bodies.
        response.make_sequence()
        request.environ[ASSET_KEY_ENVIRON] = f"{ASSET_KEY}{path}:{fingerprint}"
    return response


def versioned_asset_url(kind: str, filename: str | None = None) -> str:
    """URLs carry a content hash, so browsers cache for a year and still see new releases at once."""
    if kind == "plotly":
        path = PLOTLY_DIR / "plotly.min.js"
        return url_for("plotly_js", v=_fingerprint(str(path)))
    if kind == "swagger-ui":
        path = SWAGGER_UI_DIR / filename
        version = _fingerprint(str(path)) if path.exists() else "missing"
        return url_for("swagger_ui_asset", filename=filename, v=version)
    if kind == "nhsuk":
        path = Path(current_app.config["NHSUK_FRONTEND_DIR"]) / filename
        version = _fingerprint(str(path)) if path.exists() else "missing"
        return url_for("nhsuk_asset", filename=filename, v=version)
    path = Path(current_app.static_folder) / filename
    version = _fingerprint(str(path)) if path.exists() else "missing"
    return url_for("static", filename=filename, v=version)
