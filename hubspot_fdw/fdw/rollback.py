"""What a rollback does about HubSpot: archive again the records the rolled-back
(sub)transaction created, and say in a WARNING which changes HubSpot keeps.

HubSpot has no transactions. Creating a record is the one change that can be undone
safely (archiving a record nobody else has seen yet); an update or an archive cannot be
reverted without overwriting what others may have written since, so HubSpot keeps it
and the WARNING lists it ("HubSpot keeps: contacts 123 jobtitle='Duke'"). The rolled-back
cache rows show the old values until the materializer's next incremental poll, which
finds the records by their new last-modified time and writes HubSpot's values.

Runs in the rollback hooks, where no SQL is possible on the hubspot_fdw host (there the
created record's cache row rolls back with the transaction); under upstream Multicorn2
the cache row was written through its own connection, so it is removed and listed in
``deleted_records`` ('rolled back'). Cancels wait for the archive requests (bounded by
the request timeout).

Deliberately not here: recording effects (journal.py), the write rules (writes.py).
"""

from __future__ import annotations

from typing import Callable, Sequence

from hubspot_fdw.api import HubSpotClient
from hubspot_fdw.api.errors import HubSpotFdwError
from hubspot_fdw.fdw.journal import Effect, ids_text
from hubspot_fdw.host.capabilities import interrupts_held
from hubspot_fdw.host.multicorn_compat import utils as _multicorn_utils

WARNING = _multicorn_utils().WARNING
log_to_postgres = _multicorn_utils().log_to_postgres

BATCH = 100


def undo(effects: Sequence[Effect], client: Callable[[], HubSpotClient], what: str = "transaction",
         archived_again: Callable[[str, list[str]], None] | None = None) -> None:
    """Archive created records again and warn about the rest; never raises.
    ``archived_again(object_type, ids)`` is told the records archived again (to take
    their cache rows away where those outlive the transaction)."""
    if not effects:
        return
    created: dict[str, list[str]] = {}
    for effect in effects:
        if effect.kind == "created":
            created.setdefault(effect.object_type, []).extend(effect.ids)
    archived: list[str] = []
    failed: list[str] = []
    with interrupts_held():
        for object_type, ids in created.items():
            for start in range(0, len(ids), BATCH):
                chunk = ids[start:start + BATCH]
                try:
                    client().batch_archive(object_type, chunk)
                    archived.append(f"{object_type} {ids_text(chunk)}")
                    if archived_again is not None:
                        archived_again(object_type, chunk)
                except HubSpotFdwError as error:
                    failed.append(f"{object_type} {ids_text(chunk)} ({error.message})")
    if archived:
        log_to_postgres(f"rolled back: archived again in HubSpot: {'; '.join(archived)}", WARNING,
                        detail=f"These records were created by the rolled-back {what}.")
    if failed:
        log_to_postgres(f"rolled back, but HubSpot still has the records it created: {'; '.join(failed)}",
                        WARNING, hint="Archive them in HubSpot by hand.")
    unknown = [e.describe() for e in effects if e.kind == "uncertain"]
    if unknown:
        log_to_postgres("outcome unknown, HubSpot may keep: " + "; ".join(unknown), WARNING,
                        detail=f"The {what} rolled back, but HubSpot may have applied these writes and has no "
                               "rollback. They are listed in hubspot_fdw.uncertain_writes.",
                        hint="Check the records in HubSpot; then SELECT hubspot_fdw.forget_uncertain_write(id).")
    kept = [e.describe() for e in effects if e.kind not in ("created", "uncertain") and e.ids]
    if kept:
        log_to_postgres("HubSpot keeps: " + "; ".join(kept), WARNING,
                        detail=f"The {what} rolled back, but HubSpot has no rollback: these changes stay there. "
                               "The cache shows HubSpot's values again after the materializer's next poll.",
                        hint="Write the old values back if the change must be undone.")
