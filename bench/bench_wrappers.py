"""Wrappers the host scan benchmark loads into the backend (see host_scan.py)."""

from __future__ import annotations

from multicorn import ForeignDataWrapper as _Base

from hubspot_fdw.host.capabilities import LocalScan


class ForeignDataWrapper(_Base):
    """As under upstream Multicorn2, the base class keeps nothing: keep the options here."""

    def __init__(self, options, columns):
        super().__init__(options, columns)
        self.fdw_options = options

TEXTS = ("x", "abc", "k4", "zz")


class Tuples(ForeignDataWrapper):
    """Yields ``rows`` tuples of 10 values computed on the fly (no I/O)."""

    def get_rel_size(self, quals, columns):
        return (int(self.fdw_options["rows"]), 40)

    def execute(self, quals, columns, **kw):
        for i in range(int(self.fdw_options["rows"])):
            yield (i, i, i, i, i, "name%d" % (i % 1000), *TEXTS)


class Delegated(ForeignDataWrapper):
    """Answers every scan with a delegated scan of the local table in ``table``."""

    def __init__(self, options, columns):
        super().__init__(options, columns)
        self.types = {name: c.type_name for name, c in columns.items()}

    def get_rel_size(self, quals, columns):
        return (int(self.fdw_options["rows"]), 40)

    def execute(self, quals, columns, **kw):
        # every column in table order: the local scan then needs no projection
        return LocalScan.build(self.fdw_options["table"], list(self.types), self.types)
