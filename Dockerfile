# A thin mirror of the Makefile: Debian bookworm + PostgreSQL 15 with hubspot_fdw
# installed by the same `make install` path. Docker cannot run on the machines this
# project is built on, so this file is kept deliberately minimal and untested there.
FROM debian:bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends make ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY . /src/hubspot_fdw
WORKDIR /src/hubspot_fdw
RUN make install && make clean

USER postgres
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
# Local connections only (docker exec ... psql); open host access with a password
# of your own before exposing the port.
RUN initdb --auth-local=trust --auth-host=scram-sha-256
CMD ["postgres"]
