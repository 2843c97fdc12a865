"""What a HubSpot access token may contain, and the error for one that cannot be a token.

HubSpot's private app and OAuth tokens are visible ASCII (letters, digits and a few
punctuation marks, never a space); a pasted token that holds anything else (an
ellipsis, a smart quote, a non-breaking space) can never authenticate and would fail
deep inside the HTTP layer. The error names the first such character and its position
(1-based), never the token itself.

Deliberately not here: where the token is stored (user mappings) or sent (transport.py).
"""

from __future__ import annotations

import unicodedata

from hubspot_fdw.api.errors import HubSpotFdwError


def token_problem(token: str) -> str | None:
    """None for a token HubSpot could accept, else a hint naming the first bad character."""
    for position, char in enumerate(token, start=1):
        if not ("!" <= char <= "~"):
            visible = char.isprintable() and not char.isspace()
            shown = char if visible else repr(char)[1:-1]
            name = "" if visible else unicodedata.name(char, "")
            described = f"'{shown}' (U+{ord(char):04X}{', ' + name if name else ''})"
            return f"the token contains {described} at position {position}; paste it again"
    return None


def check_token(token: str) -> None:
    """Raise 22023 (invalid_parameter_value) for a token with characters no HubSpot token has."""
    problem = token_problem(token)
    if problem is not None:
        raise HubSpotFdwError('invalid value for option "access_token"', sqlstate="22023",
                              detail="HubSpot tokens hold only visible ASCII characters (no spaces).",
                              hint=problem[0].upper() + problem[1:] + ".")
