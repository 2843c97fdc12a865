"""`python -m hubspot_fdw.simulator …` — same flags as `hubspot-fdw simulator`."""

from hubspot_fdw.simulator.cli import simulator

if __name__ == "__main__":
    simulator(prog_name="python -m hubspot_fdw.simulator")
