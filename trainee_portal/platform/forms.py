"""The app's base form: Flask-WTF's FlaskForm, whose CSRF token is made only when the form is drawn.

Every form of the app derives from PortalForm. A FlaskForm makes its CSRF token (a timed, signed copy of the session's
secret) as it is built, although only a page that draws the form needs it: a POST that is accepted and redirects
never does. Here the token is made the first time the form is drawn (or its field's value read). Checking the token a
browser sent is unchanged: CSRFProtect checks it before the view, and the field's own check runs as before.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.csrf.core import CSRFTokenField


class LazyCSRFTokenField(CSRFTokenField):
    """A CSRF field whose token is made when first asked for (drawn), not when the form processes its data."""

    def process(self, *args, **kwargs):
        super(CSRFTokenField, self).process(*args, **kwargs)  # the field's data, without CSRFTokenField's token

    @property
    def current_token(self) -> str:
        token = self.__dict__.get("_token")
        if token is None:
            token = self._token = self.csrf_impl.generate_csrf_token(self)
        return token


class LazyTokenCSRF(FlaskForm.Meta.csrf_class):
    """Flask-WTF's CSRF for forms (the same token, the same checks), with the lazily made field."""

    field_class = LazyCSRFTokenField


class PortalForm(FlaskForm):
    class Meta:
        csrf_class = LazyTokenCSRF
