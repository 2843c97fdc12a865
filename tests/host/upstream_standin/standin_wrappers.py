"""A wrapper written against the stand-in upstream package (tests/host/upstream_standin)."""

from multicorn import ForeignDataWrapper
from multicorn.utils import ERROR, WARNING, log_to_postgres


class Talker(ForeignDataWrapper):
    def __init__(self, fdw_options, fdw_columns):
        super().__init__(fdw_options, fdw_columns)
        self.options = fdw_options

    def execute(self, quals, columns, **kw):
        log_to_postgres("talker says hello")
        log_to_postgres("talker warns", WARNING, hint="a hint")
        if self.options.get("fail") == "yes":
            log_to_postgres("talker gives up", ERROR, hint="try again", detail="on purpose")
        yield {"id": 1}
