"""Read a page's form the way a browser submits it: every named input, textarea and selected option, so the fault
run resubmits hidden fields (CSRF token, the version a form was built from) without knowing their names."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = attributes.get("action", "") == self.action
        elif not self.inside:
            return
        elif tag == "input" and attributes.get("name"):
            kind = attributes.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            if kind not in ("submit", "button", "file", "image"):
                self.fields.append((attributes["name"], attributes.get("value", "")))
        elif tag == "select":
            self._select = attributes.get("name")
        elif tag == "option" and self._select and "selected" in attributes:
            self.fields.append((self._select, attributes.get("value", "")))
        elif tag == "textarea" and attributes.get("name"):
            self._textarea, self._text = attributes["name"], []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, action: str) -> dict[str, str | list[str]]:
    """The fields of the form posting to `action`, a name with several values as a list (checkboxes)."""
    reader = _FormReader(action)
    reader.feed(html)
    fields: dict[str, str | list[str]] = {}
    for name, value in reader.fields:
        if name in fields:
            existing = fields[name]
            fields[name] = (existing if isinstance(existing, list) else [existing]) + [value]
        else:
            fields[name] = value
    return fields
