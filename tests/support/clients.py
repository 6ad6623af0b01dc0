"""A test client that behaves like a separate browser."""

from __future__ import annotations

from flask import g


class Browser:
    """A client whose every request has its own app context, so Flask-Login's per-request user cache (kept in `g`)
    cannot carry one client's sign-in over to another: the test's own context is otherwise shared by all clients."""

    def __init__(self, app, cookie: str | None = None):
        self.app, self.client = app, app.test_client()
        if cookie is not None:
            self.client.set_cookie("session", cookie)

    def _send(self, send, url, **kwargs):
        with self.app.app_context():
            response = send(url, **kwargs)
            response.get_data()  # a streamed body runs its view code now, in this context
            # Whether the request asked the policy (policy.authorize, which @policy.requires calls too).
            response.policy_asked = bool(g.get("policy_decisions"))
            return response

    def get(self, url, **kwargs):
        return self._send(self.client.get, url, **kwargs)

    def post(self, url, **kwargs):
        return self._send(self.client.post, url, **kwargs)

    def patch(self, url, **kwargs):
        return self._send(self.client.patch, url, **kwargs)

    def signed_in(self) -> bool:
        response = self.get("/higher/")
        assert response.status_code in (200, 302), response.status_code
        return response.status_code == 200

    @property
    def cookie(self) -> str:
        return self.client.get_cookie("session").value
