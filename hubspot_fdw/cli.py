"""The ``hubspot-fdw`` command line: one click group, one subcommand per part.

Each subcommand lives beside the part it runs; this file only wires them up.
"""

import click


@click.group()
@click.version_option(package_name="hubspot-fdw")
def main() -> None:
    """HubSpot CRM inside PostgreSQL."""


def _register_optional(module: str, attribute: str) -> None:
    """Add a subcommand if its part is installed (keeps the CLI usable while parts grow)."""
    import importlib

    try:
        command = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        return
    main.add_command(command)


_register_optional("hubspot_fdw.simulator.cli", "simulator")
_register_optional("hubspot_fdw.materializer.cli", "sync")


if __name__ == "__main__":
    main()
