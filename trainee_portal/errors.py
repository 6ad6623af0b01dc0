"""Error pages: every failure gets a clear page in the same layout, never a traceback."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("Something was wrong with that request", "Go back, check what you entered and try again."),
    403: ("You do not have access to this page", "If you think you should, ask your training programme administrator."),
    404: ("Page not found", "Check the address, or use the menu to find what you need."),
    405: ("That action is not available here", "Use the buttons on the page rather than typing the address."),
    413: ("That was too large to accept", "Files can be at most 10 MB and typed text at most 500 KB. Make it smaller and try again. Nothing was saved."),
    415: ("That kind of request is not accepted here", "This address takes the form on its page. Open the page and submit the form."),
    429: ("Too many attempts", "Wait a minute before trying again."),
}


def wants_json() -> bool:
    """JSON callers (an /api/ path, a JSON body, or JSON preferred over HTML) get JSON errors, never an HTML page."""
    accept = request.accept_mimetypes
    return (request.path.startswith("/api/") or request.is_json
            or (accept.best_match(["application/json", "text/html"]) == "application/json" and accept["application/json"] > accept["text/html"]))


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if wants_json():
            return {"error": "Missing or expired security token", "detail": "Send the X-CSRFToken header with the token from the page. Nothing was saved."}, 400
        return render_template(
            "errors/error.html", code=400, title="Your form expired",
            message="For your security the form timed out or was opened in another session. Go back, reload the page and submit again. Nothing was saved.",
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        title, message = MESSAGES.get(error.code, (error.name, error.description))
        if wants_json():
            return {"error": title, "detail": message}, error.code
        return render_template("errors/error.html", code=error.code, title=title, message=message), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("Unhandled error on %s", request.path)
        from trainee_portal.extensions import db
        db.session.rollback()
        if wants_json():
            return {"error": "Sorry, there is a problem with the service", "detail": "Nothing you had already saved was lost. Try again later."}, 500
        return render_template(
            "errors/error.html", code=500, title="Sorry, there is a problem with the service",
            message="Nothing you had already saved was lost. Try again later.",
        ), 500
