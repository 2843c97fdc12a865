"""The ``hubspot-fdw`` command line: one click group, one subcommand per part.

Each subcommand lives beside the part it runs; this file only wires them up.
"""

import click

from hubspot_fdw.materializer.cli import sync
from hubspot_fdw.multicorn_setup import setup
from hubspot_fdw.simulator.cli import simulator


@click.group()
@click.version_option(package_name="hubspot-fdw")
def main() -> None:
    """HubSpot CRM inside PostgreSQL."""


main.add_command(simulator)
main.add_command(sync)
main.add_command(setup)


if __name__ == "__main__":
    main()
