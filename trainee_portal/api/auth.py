"""Who is calling the API: a bearer token and nothing else.

Every API view is marked `is_api` by its blueprint. For those, `authenticate_request` (a before_request) reads
`Authorization: Bearer <token>`, finds the token with tokens.authenticate, notes its use, and makes its owner
`current_user` for this request alone. Under /api/ the cookie session is an empty one that cannot be written
(platform/hardening.py), so a browser's session neither authenticates the API nor is renewed by it. A token in the
query string or a cookie is never looked at.

`requires_scope(scope, rule)` guards each view: the token must carry the scope (policy.token_allows), then the owner
must pass the same policy rule as the pages. The scope is written into the operation's OpenAPI entry (its security
requirement and `x-required-scope`)."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request
from flask_login import current_user
from flask_smorest.utils import deepupdate
from werkzeug.exceptions import Forbidden, Unauthorized

from trainee_portal import policy
from trainee_portal.api.blueprint import SECURITY_SCHEME
from trainee_portal.auth import tokens
from trainee_portal.extensions import db, login_manager
from trainee_portal.platform.errors import is_api_request

REALM = 'Bearer realm="api"'


def _challenge(error: str | None = None, description: str | None = None, scope: str | None = None) -> str:
    parts = [REALM]
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    if scope:
        parts.append(f'scope="{scope}"')
    return ", ".join(parts)


class TokenMissing(Unauthorized):
    description = "Send a personal access token from your account page as the header Authorization: Bearer <token>."

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", _challenge())]


class TokenInvalid(Unauthorized):
    description = (
        "The token is not valid: it may be mistyped, expired or revoked, or its account closed. "
        "Create a new one on your account page."
    )

    def get_headers(self, environ=None, scope=None):
        challenge = _challenge("invalid_token", "The token is unknown, expired or revoked")
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", challenge)]


class PasswordChangeRequired(Forbidden):
    description = (
        "Your account must choose a new password before it can be used: sign in to the portal in a browser and "
        "change it, then call again with the same token."
    )


class ScopeMissing(Forbidden):
    """The token lacks the scope this operation needs; the challenge names it (RFC 6750)."""

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__(
            f'This token does not carry the "{scope}" scope this operation needs. Create a token with that scope '
            "on your account page."
        )

    def get_headers(self, environ=None, scope=None):
        challenge = _challenge("insufficient_scope", None, self.scope)
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", challenge)]


def bearer_secret() -> str | None:
    """The secret of an `Authorization: Bearer …` header; None when there is no such header."""
    header = request.headers.get("Authorization", "")
    kind, _, secret = header.partition(" ")
    if kind.lower() != "bearer":
        return None
    return secret.strip()


TOKEN_ENVIRON = "trainee_portal.api_token"  # the request's token, once looked up (None: no valid token)


def request_token():
    """The live token the request's bearer header names, or None; looked up once per request, whichever asks first
    (the rate limit's key, which runs before the gate, or the gate). Kept in the request's environ, not on g: g
    outlives a request when an app context is already pushed (tests)."""
    if TOKEN_ENVIRON not in request.environ:
        secret = bearer_secret()
        request.environ[TOKEN_ENVIRON] = tokens.authenticate(secret) if secret is not None else None
    return request.environ[TOKEN_ENVIRON]


def authenticate_request():
    """before_request: API views need a live bearer token whose owner may use the portal."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None or not getattr(view, "is_api", False):
        return None
    forget_caller()  # nothing carries over from an earlier request that shared this app context
    if getattr(view, "is_public", False):
        # Nobody, whatever cookies came: Flask-Login would otherwise read a remember-me cookie and write the session,
        # which under /api/ cannot be written (the documentation page's layout asks who is signed in).
        g.api_token = None
        g._login_user = login_manager.anonymous_user()
        return None
    if bearer_secret() is None:
        raise TokenMissing()
    token = request_token()
    if token is None:
        raise TokenInvalid()
    g.api_token = token
    g._login_user = token.user  # current_user, for this request only
    if token.user.must_change_password:
        raise PasswordChangeRequired()
    tokens.record_use(token)
    db.session.commit()
    return None


def forget_caller(_error=None) -> None:
    """Also a teardown_request: the token's owner is current_user for its own request and no other."""
    if "api_token" in g:
        g.pop("api_token", None)
        g.pop("_login_user", None)


def response_headers(response):
    """after_request: an API answer depends on the token sent and may hold personal records, so shared caches keep
    none of it; the owner's client may keep it and revalidate with its ETag."""
    if is_api_request():
        response.headers.setdefault("Cache-Control", "private, no-cache")
        response.vary.add("Authorization")
    return response


def requires_scope(scope: str, rule=policy.is_signed_in):
    """Decorator: the token carries `scope` and the owner passes `rule` (a policy rule of the user, as the pages'
    policy.requires takes). Records the scope in the operation's OpenAPI entry."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not policy.token_allows(g.get("api_token"), scope):
                raise ScopeMissing(scope)
            policy.authorize(rule(current_user))
            return view(*args, **kwargs)

        guarded.policy_rule = rule
        guarded.api_scope = scope
        guarded._apidoc = deepupdate(
            getattr(view, "_apidoc", {}),
            {
                "manual_doc": {
                    "security": [{SECURITY_SCHEME: [scope]}],
                    "x-required-scope": scope,
                    "responses": {401: "UNAUTHORIZED", 403: "FORBIDDEN"},
                }
            },
        )
        return guarded

    return decorate
