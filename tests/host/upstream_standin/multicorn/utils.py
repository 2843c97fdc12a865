"""Log levels and log_to_postgres, shaped like upstream Multicorn2's multicorn.utils.

Messages go to ``_log_to_postgres`` of the compiled ``multicorn._utils``; when that
cannot be imported the fallback drops every message, as upstream's does. ERROR raises
an exception whose arguments never reach Exception.__init__.
"""

from logging import CRITICAL, DEBUG, ERROR, INFO, WARNING

try:
    from ._utils import _log_to_postgres
except ImportError:
    def _log_to_postgres(message, level=0, hint=None, detail=None):
        pass

LEVEL_CODES = {DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3, CRITICAL: 4}


class MulticornException(Exception):
    def __init__(self, message, code, hint, detail):
        self._is_multicorn_exception = True
        self.message = message
        self.code = code
        self.hint = hint
        self.detail = detail


def log_to_postgres(message, level=INFO, hint=None, detail=None):
    code = LEVEL_CODES[level]
    if level in (ERROR, CRITICAL):
        raise MulticornException(message, code, hint, detail)
    _log_to_postgres(message, code, hint=hint, detail=detail)
