"""A local HubSpot CRM API on 127.0.0.1 for tests, the demo and the benchmarks.

Start it with `hubspot-fdw simulator` or, from Python, `start_simulator()` in
process.py. See docs/internals/simulator.md for what it simulates and what it does not.
This package does not talk to the real HubSpot.
"""
