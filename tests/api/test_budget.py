"""The shared rate budget: caps, priorities, headers, 429 penalties, file sharing,
stale/corrupt state, and several OS processes drawing from one file."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import time

import pytest

from hubspot_fdw.api.budget import BudgetConfig, Pool, Priority, RateBudget, portal_key
from hubspot_fdw.api.errors import HubSpotRateLimitError


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def make(tmp_path, clock: FakeClock | None = None, **config) -> RateBudget:
    clock = clock or FakeClock()
    cfg = BudgetConfig(directory=str(tmp_path / "budget"), **config)
    return RateBudget("k", cfg, clock=clock, sleep=clock.sleep)


def test_caps_with_headroom_and_window(tmp_path) -> None:
    clock = FakeClock()
    budget = make(tmp_path, clock, standard_max=10, standard_window=10.0, headroom=0.2)
    for _ in range(8):
        budget.acquire()
    assert clock.now == 1000.0  # 8 = 10 * (1 - 0.2) granted without waiting
    budget.acquire()
    assert clock.now >= 1010.0  # the 9th waited for the window to roll


def test_priorities_share_capacity(tmp_path) -> None:
    clock = FakeClock()
    budget = make(tmp_path, clock, standard_max=20, headroom=0.0, shares=(1.0, 0.5, 0.25))
    for _ in range(5):
        budget.acquire(priority=Priority.BACKFILL)
    assert clock.now == 1000.0
    for _ in range(5):
        budget.acquire(priority=Priority.INCREMENTAL)
    for _ in range(10):
        budget.acquire(priority=Priority.INTERACTIVE)
    assert clock.now == 1000.0  # interactive still had room
    budget.acquire(priority=Priority.BACKFILL)
    assert clock.now > 1000.0


def test_higher_priority_waiting_blocks_lower(tmp_path) -> None:
    clock = FakeClock()
    budget = make(tmp_path, clock, standard_max=10, headroom=0.0, shares=(1.0, 1.0, 1.0))
    with budget._state() as state:
        budget._pool(state, Pool.STANDARD, clock.now)
        state["waiting"]["standard:0"] = clock.now + 0.4
    budget.acquire(priority=Priority.BACKFILL)
    assert clock.now >= 1000.4


def test_headers_recalibrate(tmp_path) -> None:
    budget = make(tmp_path, standard_max=100)
    budget.observe(Pool.STANDARD, {"X-HubSpot-RateLimit-Max": "190", "X-HubSpot-RateLimit-Remaining": "150",
                                   "X-HubSpot-RateLimit-Interval-Milliseconds": "1000",
                                   "X-HubSpot-RateLimit-Daily": "625000", "X-HubSpot-RateLimit-Daily-Remaining": "9"})
    snap = budget.snapshot()
    pool = snap["pools"]["standard"]
    assert pool["max"] == 190 and pool["window"] == 1.0 and len(pool["log"]) == 40
    assert {k: v for k, v in snap["daily"].items() if k != "seen"} == {"limit": 625000.0, "remaining": 9.0}
    assert budget.daily()["limit"] == 625000.0
    budget.observe(Pool.SEARCH, {})  # search answers carry no headers: nothing changes
    assert budget.snapshot()["pools"]["search"]["max"] == 5


def test_penalize_blocks_everyone(tmp_path) -> None:
    clock = FakeClock()
    one = make(tmp_path, clock)
    two = make(tmp_path, clock)
    one.penalize(Pool.SEARCH, 2.5)
    two.acquire(Pool.SEARCH)
    assert clock.now >= 1002.5


def test_complete_moves_entry_to_answer_time(tmp_path) -> None:
    clock = FakeClock()
    budget = make(tmp_path, clock)
    ticket = budget.acquire()
    clock.now += 3
    budget.complete(Pool.STANDARD, ticket)
    assert budget.snapshot()["pools"]["standard"]["log"] == [1003.0]


def test_max_wait_raises_53xxx(tmp_path) -> None:
    clock = FakeClock()
    budget = make(tmp_path, clock, max_wait=1.0)
    budget.penalize(Pool.STANDARD, 60)
    with pytest.raises(HubSpotRateLimitError) as info:
        budget.acquire()
    assert info.value.sqlstate == "53400"


def test_file_modes_and_corrupt_or_stale_state(tmp_path) -> None:
    clock = FakeClock()
    budget = make(tmp_path, clock)
    budget.acquire()
    directory = tmp_path / "budget"
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(budget.path).st_mode) == 0o600
    with open(budget.path, "w") as handle:
        handle.write("{not json")
    budget.acquire()
    data = json.loads(open(budget.path).read())
    assert len(data["pools"]["standard"]["log"]) == 1
    data["boot"] = "another-boot"
    data["pools"]["standard"]["log"] = [5e9] * 500  # from the future / a previous boot
    open(budget.path, "w").write(json.dumps(data))
    budget.acquire()
    assert len(budget.snapshot()["pools"]["standard"]["log"]) == 1


def test_unusable_directory_falls_back_to_local(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    budget = RateBudget("k", BudgetConfig(directory=str(blocker / "sub")))
    budget.acquire()  # no exception: process-local budget
    assert budget.snapshot()["pools"]["standard"]["log"]


def test_portal_key_is_a_hash() -> None:
    key = portal_key("https://api.hubapi.com", "pat-secret")
    assert "secret" not in key and len(key) == 32
    assert key != portal_key("https://api.hubapi.com", "pat-other")


def _hammer(directory: str, until: float, queue) -> None:
    budget = RateBudget("shared", BudgetConfig(directory=directory, standard_max=20, standard_window=0.5,
                                               headroom=0.0, max_wait=10))
    grants = []
    while time.monotonic() < until:
        grants.append(budget.acquire())
    queue.put(grants)


def test_processes_share_one_budget(tmp_path) -> None:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    until = time.monotonic() + 2.0
    procs = [ctx.Process(target=_hammer, args=(str(tmp_path / "b"), until, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    grants = sorted(t for _ in procs for t in queue.get(timeout=20))
    for p in procs:
        p.join(timeout=20)
    # never more than 20 grants in any 0.5 s window, across all four processes
    worst = max(sum(1 for t in grants if g <= t < g + 0.5) for g in grants)
    assert worst <= 20
    assert len(grants) >= 60  # and the budget was actually used (about 20 per 0.5 s)


@pytest.mark.parametrize("garbage", [
    '{"v": 1, "pools": "x"}', '{"v": 1, "pools": {"standard": {"log": ["a"], "max": 10, "window": 10}}}',
    '{"v": 1, "pools": {"standard": {"log": [], "max": -5, "window": 0}}}', '{"v": 1, "waiting": {"x": "y"}}',
    '[1, 2]', '\x00\xff', '{"v": 1, "daily": "lots"}'])
def test_any_corrupt_state_is_reset_never_fatal(tmp_path, garbage) -> None:
    clock = FakeClock()
    budget = make(tmp_path, clock)
    budget.acquire()
    boot = json.loads(open(budget.path).read())["boot"]
    text = garbage.replace('"v": 1', f'"v": 1, "boot": "{boot}"')
    with open(budget.path, "w", encoding="latin-1") as handle:
        handle.write(text)
    budget.acquire()  # no exception
    assert len(budget.snapshot()["pools"]["standard"]["log"]) == 1


def test_a_world_writable_or_foreign_directory_is_refused(tmp_path, caplog) -> None:
    directory = tmp_path / "budget"
    directory.mkdir(mode=0o700)
    os.chmod(directory, 0o1777)  # as another user would have left it in /tmp
    budget = RateBudget("k", BudgetConfig(directory=str(directory)))
    budget.acquire()  # works, process-local
    assert not os.path.exists(budget.path)
    assert "open to other users" in caplog.text


def _hold_lock(path: str, ready, seconds: float) -> None:
    import fcntl
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    ready.set()
    time.sleep(seconds)


def test_a_held_lock_never_blocks_a_caller(tmp_path) -> None:
    budget = make(tmp_path, lock_timeout=0.5)
    budget.acquire()
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(budget.path, ready, 30))
    holder.start()
    try:
        assert ready.wait(10)
        started = time.monotonic()
        budget.acquire()  # falls back to a process-local budget after lock_timeout
        assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.join(5)


def test_the_sync_gets_its_reserved_slice_under_interactive_load(tmp_path) -> None:
    """Interactive callers always waiting (a saturating load) cannot keep the sync out:
    it gets a slot within one window."""
    clock = FakeClock()
    budget = make(tmp_path, clock, standard_max=20, standard_window=10.0, headroom=0.0, reserve=0.1)
    for _ in range(20):
        budget.acquire(priority=Priority.INTERACTIVE)
    sync_started = clock.now

    def interactive_sleep(seconds: float) -> None:
        # while the sync waits, an interactive caller grabs every slot it is allowed
        clock.sleep(seconds)
        other = RateBudget("k", budget.config, clock=clock, sleep=lambda s: (_ for _ in ()).throw(TimeoutError()))
        try:
            while True:
                other.acquire(priority=Priority.INTERACTIVE)
        except TimeoutError:
            pass

    budget.sleep = interactive_sleep
    budget.config = BudgetConfig(**{**budget.config.__dict__, "max_wait": 30.0})
    budget.acquire(priority=Priority.INCREMENTAL)
    assert clock.now - sync_started <= 10.0 + 0.5
    # and with no sync waiting, interactive callers may use every slot again
    clock.now += 20
    for _ in range(20):
        budget.acquire(priority=Priority.INTERACTIVE)


def test_secondly_headers_pace_each_second(tmp_path) -> None:
    """HubSpot's real headers (Max 110 per 10 s, Secondly 11): after seeing them the budget
    grants no more than the usable share of 11 in any second, and Secondly-Remaining
    counts what other clients spent in this second."""
    clock = FakeClock()
    budget = make(tmp_path, clock)
    budget.observe(Pool.STANDARD, {"X-HubSpot-RateLimit-Max": "110", "X-HubSpot-RateLimit-Remaining": "109",
                                   "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                                   "X-HubSpot-RateLimit-Secondly": "11",
                                   "X-HubSpot-RateLimit-Secondly-Remaining": "10"})
    grants = [budget.acquire() for _ in range(60)]
    per_second = max(sum(1 for t in grants if s <= t < s + 1.0) for s in grants)
    assert per_second == 10                       # floor(11 * 0.95), never the 104 of the window
    assert budget.daily() is None                 # no Daily header was ever seen
    other = make(tmp_path / "other", FakeClock())
    other.observe(Pool.STANDARD, {"X-HubSpot-RateLimit-Max": "110", "X-HubSpot-RateLimit-Secondly": "11",
                                  "X-HubSpot-RateLimit-Secondly-Remaining": "3"})
    for _ in range(2):
        other.acquire()
    assert other.clock.now == 1000.0              # 8 counted by HubSpot + 2 = the usable 10
    other.acquire()
    assert other.clock.now > 1000.0
