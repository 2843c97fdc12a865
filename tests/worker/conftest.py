"""Fixtures for the background worker tests: a restartable cluster with hubspot_fdw
preloaded, a database with the extension, a small simulator (real process), a server,
a user mapping for the connecting role and the foreign tables the worker is to sync."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from pg_harness import Database
from tests.materializer.conftest import TABLES, start_sim
from tests.worker.cluster import Cluster, imported_database


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    c = Cluster(preload=True)
    c.start()
    yield c
    c.destroy()


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    with start_sim() as s:
        yield s


@pytest.fixture(scope="module")
def db(cluster: Cluster, sim: Any) -> Database:
    return imported_database(cluster, sim, "t_worker", TABLES)
