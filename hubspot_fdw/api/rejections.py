"""HubSpot's per-property rejections ("Property values were not valid: [...]") read into
one record per property, and said in one line.

HubSpot puts the details twice: JSON-encoded in the message, and (not always) in
``errors[]`` with ``code`` and ``context.propertyName``. ``rejections`` reads both once
(deduplicated per property); ``one_line`` rewrites an error in place as
``HubSpot rejected contacts.lifecyclestage: 'custmer' is not one of its options``, with
the options (or the other properties' rejections) in the detail, ahead of the HTTP
status, category and correlation id the detail already carried. HubSpot lists no options
for properties whose values live elsewhere (``externalOptions``: pipelines, stages): the
caller's ``known_options`` names them then.

Deliberately not here: mapping answers to error classes (errors.py), hints that need the
database (the FDW's comments.label_hint).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

VALUE_SHOWN = 80      # characters of a rejected value repeated in the message
OPTIONS_SHOWN = 25    # options listed in the detail

# "<value> was not one of the allowed options: [...]", "<value> is not a valid date", ...
_VALUE_FIRST = re.compile(r"^(?P<value>.*?) (?:was|is) (?:not|at) ", re.S)
_EMAIL = re.compile(r"^Email address (?P<value>.*) is invalid", re.S)
_OPTION_VALUE = re.compile(r'value: "((?:[^"\\]|\\.)*)"')
_OPTION_LABEL = re.compile(r'label: "((?:[^"\\]|\\.)*)"')

REASONS = {
    "INVALID_OPTION": "is not one of its options",
    "INVALID_EMAIL": "is not a valid e-mail address",
    "INVALID_DATE": "is not a date at midnight UTC",
    "INVALID_DATETIME": "is not a valid date and time",
    "INVALID_INTEGER": "is not a whole number",
    "INVALID_LONG": "is not a whole number",
    "INVALID_DECIMAL": "is not a valid number",
    "INVALID_BOOLEAN": "is not a boolean (true or false)",
}
NO_VALUE_REASONS = {
    "READ_ONLY_VALUE": "it is read-only in HubSpot",
    "PROPERTY_DOESNT_EXIST": "HubSpot has no such property",
    "INVALID_STRING_LENGTH": "the value is too long",
}


@dataclass(frozen=True)
class Rejection:
    """One property HubSpot refused: its name, HubSpot's code and text, the value
    HubSpot quoted (when it did) and the options it listed (INVALID_OPTION)."""

    property: str
    code: str
    message: str
    value: str | None = None
    options: tuple[tuple[str, str], ...] = ()   # (value, label)

    def reason(self) -> str:
        """What is wrong, as the tail of "HubSpot rejected <table>.<property>: ..."."""
        if self.code in REASONS and self.value is not None:
            return f"{quoted(self.value)} {REASONS[self.code]}"
        if self.code in NO_VALUE_REASONS:
            return NO_VALUE_REASONS[self.code]
        return _sentence(self.message)

    def options_text(self) -> str | None:
        if not self.options:
            return None
        shown = ", ".join(value if value == label else f"{value} ({label})"
                          for value, label in self.options[:OPTIONS_SHOWN])
        more = len(self.options) - OPTIONS_SHOWN
        return f"Valid values of {self.property}: {shown}" + (f" and {more} more" if more > 0 else "") + "."


def quoted(value: str) -> str:
    text = value if len(value) <= VALUE_SHOWN else value[:VALUE_SHOWN] + "…"
    return "'" + text.replace("'", "''") + "'"


def _sentence(text: str) -> str:
    first = " ".join(text.split())
    return (first[:200] + "…") if len(first) > 200 else first.rstrip(".")


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\\\", "\\")


def _parse(name: str, code: str, message: str) -> Rejection:
    value = None
    options: tuple[tuple[str, str], ...] = ()
    head = message.split(": [", 1)[0] if code == "INVALID_OPTION" else message
    match = _EMAIL.match(head) or _VALUE_FIRST.match(head)
    if match and code in REASONS:
        value = match.group("value")
    if code == "INVALID_OPTION":
        labels = _OPTION_LABEL.findall(message)
        values = _OPTION_VALUE.findall(message)
        options = tuple((_unescape(v), _unescape(lab)) for v, lab in zip(values, labels))
    return Rejection(name, code, message, value, options)


def _items(error: Any) -> Iterable[Mapping[str, Any]]:
    message = str(getattr(error, "hubspot_message", None) or getattr(error, "message", "") or "")
    start = message.find("[")
    if message.startswith("Property values were not valid") and start >= 0:
        try:
            parsed = json.loads(message[start:])
        except ValueError:
            parsed = []
        yield from (e for e in parsed if isinstance(e, Mapping))
    yield from (e for e in getattr(error, "errors", None) or [] if isinstance(e, Mapping))


def rejections(error: Any) -> list[Rejection]:
    """Every property HubSpot rejected in ``error`` (in HubSpot's order, once each)."""
    found: dict[str, Rejection] = {}
    for item in _items(error):
        code = str(item.get("error") or item.get("code") or "")
        names = item.get("name") or (item.get("context") or {}).get("propertyName")
        name = str(names[0] if isinstance(names, list) and names else names or "")
        if not code or not name or name in found:
            continue
        found[name] = _parse(name, code, str(item.get("message") or ""))
    return list(found.values())


KnownOptions = Callable[[str], Sequence[tuple[str, str]]]   # property → (value, label) pairs


def _with_known(found: list[Rejection], known_options: KnownOptions | None) -> list[Rejection]:
    """An INVALID_OPTION HubSpot gave without its options gets ``known_options``' (none if
    that fails: the rejection itself is what must be reported)."""
    if known_options is None:
        return found
    out = []
    for r in found:
        if r.code == "INVALID_OPTION" and not r.options:
            try:
                r = replace(r, options=tuple(known_options(r.property)))
            except Exception:  # a courtesy, like the label hint
                pass
        out.append(r)
    return out


def one_line(error: Any, table: str, known_options: KnownOptions | None = None) -> Any:
    """Rewrite a per-property rejection in place: the first property in the message, the
    options or the other properties in the detail (which keeps HubSpot's category and
    correlation id). Other errors are returned untouched."""
    found = rejections(error)
    if not found or getattr(error, "hubspot_message", None):
        return error
    found = _with_known(found, known_options)
    first, others = found[0], found[1:]
    error.hubspot_message = error.message
    error.message = f"HubSpot rejected {table}.{first.property}: {first.reason()}"
    error.args = (error.message,)
    facts = []
    if others:
        facts.append("Also rejected: " + "; ".join(f"{table}.{r.property}: {r.reason()}" for r in others) + ".")
    facts += [r.options_text() for r in found if r.options_text()]
    if error.detail:
        facts.append(error.detail)
    error.detail = " ".join(f for f in facts if f) or None
    return error
