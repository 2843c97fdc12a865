# hubspot_fdw: build (PGXS), install (extension + Python environment), test, demo.
#
#   make install   build and install the extension and the Python environment
#   make test      install, then run the whole test suite
#   make demo      install, then start a throwaway PostgreSQL and show it working
#
# Works as root on a fresh Debian bookworm: missing Debian packages are
# installed first (scripts/install_deps.sh), then make re-runs itself.

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
PYTHON_CONFIG ?= /usr/bin/python3-config
VENV ?= /opt/hubspot_fdw/venv
VENV_SITE = $(VENV)/lib/python3.11/site-packages

EXTENSION = hubspot_fdw
MODULE_big = hubspot_fdw
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA = $(sort $(wildcard sql/hubspot_fdw--*.sql))

PG_CPPFLAGS = $(shell $(PYTHON_CONFIG) --includes 2>/dev/null) \
	-DHUBSPOT_FDW_PYTHON_PATH='"$(VENV_SITE)"'
SHLIB_LINK = $(shell $(PYTHON_CONFIG) --embed --ldflags 2>/dev/null)

PGXS := $(wildcard $(shell $(PG_CONFIG) --pgxs 2>/dev/null))

.PHONY: deps python-env test demo

ifneq ($(PGXS),)
include $(PGXS)
install: python-env
else
# No PostgreSQL build environment yet: install it, then run the same goal again.
all install:
	bash scripts/install_deps.sh
	$(MAKE) $@
endif

deps:
	bash scripts/install_deps.sh

python-env: deps
	bash scripts/install_python_env.sh $(VENV)

# The tests and the demo start PostgreSQL from the same installation they build for.
PG_BINDIR = $(shell $(PG_CONFIG) --bindir 2>/dev/null)

test: install
	PG_BIN=$(PG_BINDIR) bash scripts/run_tests.sh $(VENV)

demo: install
	PG_BIN=$(PG_BINDIR) bash scripts/demo.sh $(VENV)
