"""Error pages: every failure gets a clear page in the same layout, never a traceback. The JSON API (/api/) gets
RFC 9457 problem details instead: `application/problem+json` with type, title, status, detail and instance."""

from __future__ import annotations

import contextlib
from http import HTTPStatus

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError
from werkzeug.exceptions import HTTPException

from trainee_portal.extensions import db

MESSAGES = {
    400: ("Something was wrong with that request", "Go back, check what you entered and try again."),
    403: ("You do not have access to this page", "If you think you should, ask your training programme administrator."),
    404: ("Page not found", "Check the address, or use the menu to find what you need."),
    405: ("That action is not available here", "Use the buttons on the page rather than typing the address."),
    413: (
        "That was too large to accept",
        "Files can be at most 10 MB and typed text at most 500 KB. Make it smaller and try again. Nothing was saved.",
    ),
    415: (
        "That kind of request is not accepted here",
        "This address takes the form on its page. Open the page and submit the form.",
    ),
    429: ("Too many attempts", "Wait a minute before trying again."),
}


BARE_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
    "<body><main><h1>{title}</h1><p>{message}</p></main></body></html>"
)


API_ROOT = "/api/"  # the JSON API's first path segment: its errors are problem documents
PROBLEM_TYPE = "application/problem+json"


def is_api_request() -> bool:
    """The request is for the JSON API, whether or not a view answers its path (a 404 there is a problem too)."""
    return request.path.startswith(API_ROOT)


def problem(status: int, detail: str, *, title: str | None = None, headers=None, **members):
    """An RFC 9457 problem document: about:blank with the status's own phrase as its title, unless told otherwise;
    members are extensions (a validation failure's `errors`)."""
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
        **members,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def validation_errors(messages) -> list[dict]:
    """webargs' {location: {field: [message, …]}} (nested for nested fields, by index for lists) as a flat list of
    {location, field, message}; field is a dotted path, empty when the whole input was refused."""
    found = []

    def walk(location: str, path: list[str], node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(location, [*path, str(key)], value)
        elif isinstance(node, (list, tuple)) and node and all(isinstance(m, str) for m in node):
            for message in node:
                found.append({"location": location, "field": ".".join(p for p in path if p != "_schema"), "message": message})
        elif isinstance(node, (list, tuple)):
            for index, value in enumerate(node):
                walk(location, [*path, str(index)], value)
        else:
            found.append({"location": location, "field": ".".join(p for p in path if p != "_schema"), "message": str(node)})

    for location, fields in (messages or {}).items():
        walk(str(location), [], fields)
    return found


# What an API caller should do, for errors raised with Werkzeug's or flask-smorest's own wording (written for a
# browser's address bar): unreadable JSON, a refused record, an unknown path, and flask-smorest's If-Match checks.
# The portal's own exceptions keep the words they were given.
LIBRARY_MODULES = ("werkzeug.", "flask_smorest.")
API_DETAILS = {
    400: "The request could not be read: send well-formed JSON (Content-Type: application/json) and the parameters "
    "the operation documents.",
    403: "The token's owner may not see or do this: the record belongs to someone outside their access.",
    404: "Nothing is found at this address: check the path and the id in it.",
    412: "The record changed after you read it, so nothing was saved: read it again and send its new ETag as If-Match.",
    428: "Send the ETag you read from this record's GET as If-Match, so the change covers the version you saw.",
}


def http_problem(error: HTTPException):
    """The problem document for an HTTP error raised anywhere under /api/ (a webargs abort carries its details in
    error.data: `messages` for refused input, `message` and `headers` otherwise). An error still carrying its library's
    default description is explained for an API caller instead (API_DETAILS)."""
    data = getattr(error, "data", None) or {}
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    description = error.description
    libraries_own = type(error).__module__.startswith(LIBRARY_MODULES) and description == type(error).description
    if libraries_own and error.code in API_DETAILS:
        description = API_DETAILS[error.code]
    detail = data.get("message") or description or HTTPStatus(error.code).phrase
    members = {}
    if "messages" in data or "errors" in data:
        members["errors"] = validation_errors(data.get("messages") or data.get("errors"))
        if error.code == 422 and "message" not in data:
            detail = "The request was understood but some of its values were refused: see errors."
    return problem(error.code, detail, headers=headers, **members)


def wants_json() -> bool:
    """JSON callers (an /api/ path, a JSON body, or JSON preferred over HTML) get JSON errors, never an HTML page."""
    accept = request.accept_mimetypes
    return (
        is_api_request()
        or request.is_json
        or (
            accept.best_match(["application/json", "text/html"]) == "application/json"
            and accept["application/json"] > accept["text/html"]
        )
    )


def _page(code: int, title: str, message: str) -> str:
    """The error page in the site layout; a bare page when the layout cannot render (it reads the database)."""
    try:
        return render_template("errors/error.html", code=code, title=title, message=message)
    except Exception:  # noqa: BLE001 (an error page must never fail)
        with contextlib.suppress(Exception):
            db.session.rollback()
        return BARE_PAGE.format(title=escape(title), message=escape(message))


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if is_api_request():
            return problem(400, "Send the X-CSRFToken header with the token from the page. Nothing was saved.")
        if wants_json():
            return {
                "error": "Missing or expired security token",
                "detail": "Send the X-CSRFToken header with the token from the page. Nothing was saved.",
            }, 400
        return _page(
            400,
            "Your form expired",
            "For your security the form timed out or was opened in another session. "
            "Go back, reload the page and submit again. Nothing was saved.",
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is not None and error.code < 400:
            return error  # 304 Not Modified from an ETag match, a redirect: not errors
        if is_api_request():
            return http_problem(error)
        title, message = MESSAGES.get(error.code, (error.name, error.description))
        if wants_json():
            return {"error": title, "detail": message}, error.code
        return _page(error.code, title, message), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("Unhandled error on %s", request.path)
        with contextlib.suppress(Exception):  # the database is unreachable; the transaction is gone with the connection
            db.session.rollback()
        if isinstance(error, (OperationalError, InterfaceError, PendingRollbackError)) or getattr(
            error, "connection_invalidated", False
        ):
            # database restarting, unreachable or locked: transient, so say so
            title, message = (
                "The service is busy for a moment",
                "What you just submitted was not saved. Wait a few seconds and try again.",
            )
            if is_api_request():
                return problem(503, message, headers={"Retry-After": "5"})
            if wants_json():
                return {"error": title, "detail": message}, 503, {"Retry-After": "5"}
            return _page(503, title, message), 503, {"Retry-After": "5"}
        if is_api_request():
            return problem(500, "Sorry, there is a problem with the service. Nothing already saved was lost; try again later.")
        if wants_json():
            return {
                "error": "Sorry, there is a problem with the service",
                "detail": "Nothing you had already saved was lost. Try again later.",
            }, 500
        return _page(
            500, "Sorry, there is a problem with the service", "Nothing you had already saved was lost. Try again later."
        ), 500
