"""A stand-in laid out like upstream Multicorn2's ``multicorn`` package, for the host tests.

Only the parts the host meets: a base class with do-nothing hooks, and ``utils`` whose
messages go through a compiled ``multicorn._utils`` module that does not exist here (as
upstream's cannot be loaded outside its own extension). Not upstream's code.
"""


class ForeignDataWrapper:
    _startup_cost = 20

    def __init__(self, fdw_options, fdw_columns):
        pass

    def get_rel_size(self, quals, columns):
        return (100, 100)

    def get_path_keys(self):
        return []

    def can_sort(self, sortkeys):
        return []

    def can_limit(self, limit, offset):
        return False

    def explain(self, quals, columns, sortkeys=None, verbose=False, limit=None, offset=None):
        return []

    def _nothing(self, *args):
        pass

    begin = pre_commit = commit = rollback = _nothing
    sub_begin = sub_commit = sub_rollback = end_scan = end_modify = _nothing
