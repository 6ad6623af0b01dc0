"""What the supervisor reads on a request's page."""

from __future__ import annotations

import re

from tests.app.signoff.helpers import cast, request_via_app
from tests.factories import EvidenceFactory


def test_notes_keep_their_own_lines_and_nothing_before_them(client, login):
    people = cast()
    entry = EvidenceFactory(trainee=people.owner, notes="First line.\nSecond line.")
    signoff_request = request_via_app(client, login, people, entry)
    login(people.supervisor)
    page = client.get(f"/signoff/requests/{signoff_request.id}").data.decode()
    # The line-keeping class sits on a span round the text itself, so the list's own white space adds no blank lines.
    assert re.search(r'<span class="app-preserve-lines">First line\.\n\s*Second line\.</span>', page)
