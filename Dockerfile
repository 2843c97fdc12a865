# PostgreSQL with hubspot_fdw, on the official image of the major version you choose:
#
#   docker build --build-arg PG_MAJOR=17 -t hubspot_fdw:17 .
#   docker run -e POSTGRES_PASSWORD=... hubspot_fdw:17 -c shared_preload_libraries=hubspot_fdw
#
# A straight mirror of `make install` with that server's pg_config (the image's Debian
# PostgreSQL packages come from PGDG, so make installs postgresql-server-dev-$PG_MAJOR).
# Docker cannot run on the machines this project is built and tested on: this file is
# kept deliberately minimal and is not exercised by the tests.
ARG PG_MAJOR=17
FROM postgres:${PG_MAJOR}
ARG PG_MAJOR

RUN apt-get update \
 && apt-get install -y --no-install-recommends make ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY . /src/hubspot_fdw
WORKDIR /src/hubspot_fdw
RUN make install PG_CONFIG=/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config \
 && make clean PG_CONFIG=/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config \
 && rm -rf /var/lib/apt/lists/*
# The image's entrypoint creates the cluster and starts the server as before.
