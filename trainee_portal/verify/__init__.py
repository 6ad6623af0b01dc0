"""Public verification of issued documents at /verify: a portfolio or panel-pack PDF carries a code; this page says
whose document that code belongs to, when it was produced, what it covered and the signed audit head it cites, and
checks an uploaded file byte for byte against the one issued. services.issue is how a feature issues one."""

from trainee_portal.verify import routes  # noqa: F401 (registers the views)
from trainee_portal.verify.blueprint import bp

__all__ = ["bp"]
