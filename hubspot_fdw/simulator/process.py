"""Start the simulator as a real subprocess for tests, the demo and benchmarks.

    from hubspot_fdw.simulator.process import start_simulator

    with start_simulator(seed=1, contacts=500, no_limits=True, index_lag_ms=0) as sim:
        sim.base_url     # "http://127.0.0.1:PORT"  (point any HubSpot client here)
        sim.token        # a valid bearer token ("pat-na1-simulator-token" unless token=…)
        sim.admin_url    # base_url + "/_sim"  (see routes_admin.py / docs/internals/simulator.md)
        sim.pid
        sim.requests()               # request log entries since the last clear_requests()
        sim.clear_requests()
        sim.set_faults(error_rate=1.0, max_faults=2, path_contains="/contacts")
        sim.clear_faults()
        sim.admin("PATCH", "/objects/contacts/123", {"properties": {"firstname": "X"}})
    # stopped (SIGTERM, then SIGKILL after a grace period)

Options map to the CLI flags: host, port (default 0 = free port), seed, one size per
object type (contacts, companies, deals, tickets, products, line_items, quotes,
calls, emails, meetings, notes, tasks, communications, postal_mail, cars,
service_requests), owners, token, portal_id, time_scale, no_limits, burst_limit,
daily_limit, no_daily_headers, time_zone, search_limit, index_lag_ms, log_size, verbose, profile ("default" or
"realistic"), max_url_length, and faults as
fault_seed, fault_latency_ms, fault_latency_jitter_ms, fault_error_rate,
fault_reset_rate, fault_truncate_rate, fault_429_rate, fault_stale_search_ms,
fault_path. Unknown options raise TypeError. The child's stderr goes to
`sim.log_path`. Does not run the server in-process (see server.run_in_thread).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubspot_fdw.simulator.config import DEFAULT_SIZES

FLAGS = {"host", "port", "seed", "owners", "token", "portal_id", "time_scale", "no_limits",
         "burst_limit", "daily_limit", "search_limit", "index_lag_ms", "log_size", "verbose",
         "fault_seed", "fault_latency_ms", "fault_latency_jitter_ms", "fault_error_rate",
         "fault_reset_rate", "fault_truncate_rate", "fault_429_rate", "fault_stale_search_ms",
         "fault_path", "profile", "max_url_length", "time_zone", "no_daily_headers"} | set(DEFAULT_SIZES)
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


@dataclass
class SimulatorProcess:
    base_url: str
    token: str
    admin_url: str
    pid: int
    log_path: str
    process: subprocess.Popen = field(repr=False)

    # -- admin helpers -------------------------------------------------------------------
    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call an admin endpoint (path relative to /_sim); returns parsed JSON or None."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.admin_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"admin {method} {path} failed: {exc.code} {exc.read()!r}") from None
        return json.loads(raw) if raw else None

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        return self.admin("GET", f"/requests?since={since}")["requests"]

    def clear_requests(self) -> None:
        self.admin("DELETE", "/requests")

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        return self.admin("POST", "/faults", faults)

    def clear_faults(self) -> None:
        self.admin("DELETE", "/faults")

    def reset(self) -> None:
        self.admin("POST", "/reset")

    # -- lifecycle -----------------------------------------------------------------------
    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self) -> "SimulatorProcess":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def command(**options: Any) -> list[str]:
    unknown = set(options) - FLAGS
    if unknown:
        raise TypeError(f"unknown simulator option(s): {sorted(unknown)}")
    options.setdefault("port", 0)
    args = [sys.executable, "-m", "hubspot_fdw.simulator"]
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            if value:
                args.append(flag)
        elif value is not None:
            args += [flag, str(value)]
    return args


def start_simulator(startup_timeout: float = 60.0, **options: Any) -> SimulatorProcess:
    """Start `python -m hubspot_fdw.simulator` and wait until it answers /_sim/health."""
    args = command(**options)
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    log = tempfile.NamedTemporaryFile(prefix="hubspot-simulator-", suffix=".log", delete=False)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
                            env=env, text=True)
    log.close()
    info: dict[str, str] = {}
    deadline = time.monotonic() + startup_timeout
    try:
        while len(info) < 4:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"simulator exited early (code {proc.wait()}); see {log.name}: "
                                   f"{Path(log.name).read_text()[-2000:]}")
            key, _, value = line.strip().partition("=")
            info[key] = value
            if time.monotonic() > deadline:
                raise TimeoutError("simulator did not print its address")
        sim = SimulatorProcess(info["base_url"], info["token"], info["admin_url"], int(info["pid"]),
                               log.name, proc)
        while True:
            try:
                sim.admin("GET", "/health")
                return sim
            except (OSError, RuntimeError):
                if time.monotonic() > deadline:
                    raise TimeoutError("simulator did not answer /_sim/health")
                time.sleep(0.05)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
