"""multicorn.utils for the hubspot_fdw host: logging, levels and interrupts."""

from hubspot_fdw.host.log import (  # noqa: F401
    CRITICAL,
    DEBUG,
    ERROR,
    INFO,
    WARNING,
    MulticornException,
    check_interrupts,
    log_to_postgres,
)
