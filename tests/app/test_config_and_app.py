"""The app factory, configuration order, security headers, served assets and error pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import make_test_config
from tests.factories import TraineeFactory
from trainee_portal import create_app
from trainee_portal.settings import normalise_database_url


def test_refuses_default_secret_outside_debug_and_testing(monkeypatch, instance_dir):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_environment_overrides_instance_config(monkeypatch, instance_dir):
    (instance_dir / "config.py").write_text("SECRET_KEY = 'from-instance'\nPAGE_SIZE = 7\n")
    try:
        assert create_app({"TESTING": True}).config["SECRET_KEY"] == "from-instance"
        monkeypatch.setenv("SECRET_KEY", "from-environment")
        app = create_app({"TESTING": True})
        assert app.config["SECRET_KEY"] == "from-environment" and app.config["PAGE_SIZE"] == 7
    finally:
        (instance_dir / "config.py").unlink()


def test_bad_numeric_environment_setting_gives_a_clear_message(monkeypatch, instance_dir):
    monkeypatch.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(SystemExit, match="MAIL_PORT must be a whole number"):
        create_app({"TESTING": True})


@pytest.mark.parametrize(
    "given,expected",
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://h/db", "postgresql+psycopg://h/db"),
        ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_are_normalised(given, expected):
    assert normalise_database_url(given) == expected


def test_default_database_is_sqlite_in_instance_folder(instance_dir, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance_dir / 'portal.sqlite3'}"


def test_pages_carry_security_headers_and_no_inline_script(client, login):
    login(TraineeFactory())
    response = client.get("/higher/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    for tag in re.findall(r"<script[^>]*>", response.data.decode()):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_session_cookie_is_httponly_and_samesite(client):
    user = TraineeFactory()
    response = client.post("/login", data={"email": user.email, "password": "correct-horse-battery-staple"})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_design_system_and_plotly_are_served_by_the_app_with_long_caching(client):
    css = client.get("/assets/nhsuk-frontend.min.css")
    assert css.status_code == 200 and "max-age=31536000" in css.headers["Cache-Control"]
    assert client.get("/assets/images/favicon.svg").status_code == 200
    js = client.get("/vendor/plotly.min.js")
    assert js.status_code == 200 and js.mimetype == "text/javascript"
    assert client.get("/assets/../../package.json").status_code == 404


def test_assets_go_out_compressed_with_a_validator_per_encoding_and_pages_are_never_cached(client, login):
    import brotli

    from trainee_portal.extensions import compress

    plain = client.get("/vendor/plotly.min.js")
    assert plain.headers.get("Content-Encoding") is None and "Accept-Encoding" in plain.headers["Vary"]
    first = client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": "br, gzip"})
    again = client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == again.headers["Content-Encoding"] == "br"
    assert brotli.decompress(again.data) == plain.data and first.data == again.data
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert again.headers["ETag"] == plain.headers["ETag"][:-1] + ':br"'
    for etag, encoding in ((again.headers["ETag"], "br"), (plain.headers["ETag"], None)):
        unchanged = client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": encoding or "", "If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.data == b""
    gzipped = client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"

    login(TraineeFactory())
    pages = [client.get(path, headers={"Accept-Encoding": "br"}) for path in ("/dashboard", "/logbook/")]
    assert [(page.status_code, page.headers.get("Content-Encoding")) for page in pages] == [(200, "br"), (200, "br")]
    assert b"Logbook" in brotli.decompress(pages[1].data) and pages[0].data != pages[1].data
    assert all(";asset:" in key for key in compress.cache._data)  # two variants of plotly, no page


def test_the_nhsuk_stylesheet_is_built_without_fonts_from_another_host(client):
    page = client.get("/login").data.decode()
    href = re.search(r'<link rel="stylesheet" href="(/static/build/nhsuk\.css\?v=[0-9a-f]{12})">', page).group(1)
    css = client.get(href)
    assert css.status_code == 200 and "max-age=31536000" in css.headers["Cache-Control"]
    text = css.get_data(as_text=True)
    assert ".nhsuk-header" in text
    assert "@font-face" not in text and "Frutiger" not in text and "://" not in text
    assert "html{font-family:arial,sans-serif}" in text  # the package sets a font only beside its @font-face rules
    urls = set(re.findall(r'url\("?([^")]+)"?\)', text))
    assert urls, "the stylesheet's icons"
    for url in urls:
        assert url.startswith("/assets/images/") and client.get(url).status_code == 200, url
    assert "nhsuk-frontend.min.css" not in page


def test_a_missing_stylesheet_build_is_logged(app, tmp_path, caplog):
    from flask import Flask

    from trainee_portal.platform import assets

    bare = Flask("bare", static_folder=str(tmp_path))  # as if scripts/install had not built it
    bare.config["NHSUK_FRONTEND_DIR"] = app.config["NHSUK_FRONTEND_DIR"]
    with caplog.at_level("WARNING"):
        assets.init_app(bare)
    assert "NHS.UK stylesheet not built" in caplog.text and "scripts/install" in caplog.text
    assert "frontend assets not found" not in caplog.text


def test_unknown_page_gets_a_friendly_404(client, login):
    login(TraineeFactory())
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in response.data.decode()


def test_csrf_is_enforced_when_enabled(database_url, instance_dir, app):
    strict = create_app(make_test_config(database_url, instance_dir) | {"WTF_CSRF_ENABLED": True}).test_client()
    response = strict.post("/login", data={"email": "a@b.nhs.uk", "password": "whatever-it-is"})
    assert response.status_code == 400 and "Your form expired" in response.data.decode()


def test_an_active_upload_repeating_a_shipped_version_does_not_break_pages(client, login, app):
    from tests.factories import AdminFactory
    from trainee_portal import curricula
    from trainee_portal.extensions import db
    from trainee_portal.models import CurriculumUpload

    admin = AdminFactory()
    text = Path("competencies/curricula/pain-2021.toml").read_text(encoding="utf-8")
    db.session.add(
        CurriculumUpload(version="2021", filename="again.toml", content=text, status="active", uploaded_by_id=admin.id)
    )
    db.session.add(
        CurriculumUpload(
            version="2099", filename="bad.toml", content="[curriculum]\nversion = 1", status="active", uploaded_by_id=admin.id
        )
    )
    db.session.commit()
    try:
        assert curricula.registry(force=True).versions() == ("2010", "2021")
        login(TraineeFactory())
        assert client.get("/higher/").status_code == 200
    finally:
        db.session.query(CurriculumUpload).delete()
        db.session.commit()
        curricula.registry(force=True)


def test_the_apps_own_static_files_go_out_compressed_and_cached_for_a_year(client):
    import brotli

    page = client.get("/login").data.decode()
    href = re.search(r'<link rel="stylesheet" href="(/static/build/nhsuk\.css\?v=[0-9a-f]{12})">', page).group(1)
    plain = client.get(href)
    packed = client.get(href, headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "br" and brotli.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 4
    assert packed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/static/../../pyproject.toml").status_code == 404
    assert client.get("/static/no-such-file.css").status_code == 404
