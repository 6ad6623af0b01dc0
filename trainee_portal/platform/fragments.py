"""Parts of a page drawn once per worker and kept: a form's fields as NHS.UK components cost milliseconds each to
draw (the logbook's filter form about half its page), and most requests show them in the same state.

A fragment is kept under a key holding everything it is drawn from: for a form, each field's data, what was typed,
its choices and its errors (`form_state`). The same key always gives the same markup, so nothing kept goes stale;
the least recently used fragments are dropped past `size`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from markupsafe import Markup


def _frozen(value) -> Hashable:
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return repr(value)


def form_state(form) -> tuple:
    """What the form's fields show, field by field: a key for their rendered markup."""
    return tuple(
        (
            field.name,
            field.id,
            field.type,
            field.label.text,
            field.description,
            bool(field.flags.required),
            _frozen(field.data),
            _frozen(field.raw_data),
            _frozen(field.errors),
            _frozen(getattr(field, "choices", None)),
            _frozen(getattr(field, "parts", None)),
            _frozen(getattr(field, "error_parts", None)),
        )
        for field in form
    )


class Kept:
    """Values by key, the most recently used `size` of them; safe to share between a worker's threads. The key must
    hold everything the value is made from, so that a value kept is never stale."""

    def __init__(self, size: int = 256):
        self.size = size
        self._kept: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def _made(self, value):
        return value

    def get(self, key: Hashable, make: Callable[[], object]):
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        value = self._made(make())  # made outside the lock: two threads may make the same value once each
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


class Fragments(Kept):
    """Rendered markup by key (see the module), the most recently used `size` of them."""

    def _made(self, value) -> Markup:
        return Markup(value)

    def get(self, key: Hashable, render: Callable[[], str]) -> Markup:
        return super().get(key, render)
