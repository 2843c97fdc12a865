# hubspot_fdw: build (PGXS), install (extension + Python environment), test, demo.
#
#   make install   build and install the extension and the Python environment
#   make test      install, then run the whole test suite
#   make demo      install (compiler output to build/demo-build.log), then start a
#                  throwaway PostgreSQL and show it working
#
# Every goal first runs scripts/install_deps.sh, whatever files happen to exist: it
# checks the Debian packages (no network when all are present) and installs the
# missing ones as root. Then make runs the same goal again with
# HUBSPOT_FDW_DEPS_CHECKED=1, which includes PGXS and builds. PG_CONFIG and VENV may
# be overridden on the command line; the second pass inherits them.
#
# PostgreSQL 15-18: PG_CONFIG chooses the installation (Debian's, a source build, the
# official Docker image's, scripts/pg18.sh's); see docs/install.md.

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
PYTHON_CONFIG ?= /usr/bin/python3-config
# The interpreter of that python3-config (the venv is made from it; its libpython is linked)
PYTHON ?= $(PYTHON_CONFIG:%-config=%)
VENV ?= /opt/hubspot_fdw/venv
BUILD_LOG ?= $(CURDIR)/build/demo-build.log

EXTENSION = hubspot_fdw
MODULE_big = hubspot_fdw
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA = $(sort $(wildcard sql/hubspot_fdw--*.sql))

.PHONY: deps python-env test demo check-headers

ifndef HUBSPOT_FDW_DEPS_CHECKED
# ---- first pass: the Debian packages, then the goal again -------------------------------
.DEFAULT_GOAL := all
# $(MAKE) stays literal in the recipes, so make -n and -j treat them as recursive.
SECOND_PASS = --no-print-directory HUBSPOT_FDW_DEPS_CHECKED=1

all install installcheck test python-env:
	@bash scripts/install_deps.sh $(PG_CONFIG)
	@$(MAKE) $(SECOND_PASS) $@

# The demo shows the demo, not the compiler: the build goes to a log file.
demo:
	@mkdir -p $(dir $(BUILD_LOG))
	@echo "Checking Debian packages and building hubspot_fdw (log: $(BUILD_LOG)) ..."
	@{ bash scripts/install_deps.sh $(PG_CONFIG) && $(MAKE) $(SECOND_PASS) install; } >$(BUILD_LOG) 2>&1 \
	  || { tail -n 25 $(BUILD_LOG) >&2; \
	       echo "make demo: the build failed; the whole log is $(BUILD_LOG)" >&2; exit 1; }
	@$(MAKE) $(SECOND_PASS) demo

deps:
	@bash scripts/install_deps.sh $(PG_CONFIG)

clean:
	@if [ -f "$$($(PG_CONFIG) --pgxs 2>/dev/null)" ]; then $(MAKE) $(SECOND_PASS) clean; \
	 else rm -f src/*.o src/*.bc src/.build-for $(MODULE_big).so; fi

else
# ---- second pass: the packages are there; PGXS builds -----------------------------------
# "3.11" from python3-config's -lpython3.11: the venv's site-packages the backend imports from
PYTHON_VERSION := $(patsubst -lpython%,%,$(filter -lpython%,$(shell $(PYTHON_CONFIG) --embed --libs 2>/dev/null)))
VENV_SITE = $(VENV)/lib/python$(PYTHON_VERSION)/site-packages
PG_CPPFLAGS = $(shell $(PYTHON_CONFIG) --includes 2>/dev/null) \
	-DHUBSPOT_FDW_PYTHON_PATH='"$(VENV_SITE)"'
# A call to an undeclared function is a bug (a renamed helper), never a warning to miss.
PG_CFLAGS = -Werror=implicit-function-declaration
SHLIB_LINK = $(shell $(PYTHON_CONFIG) --embed --ldflags 2>/dev/null)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# An installation built elsewhere may name a compiler this machine lacks (clang-19, say):
# use the system's cc then, and no LLVM bitcode without its clang.
ifeq ($(shell command -v $(firstword $(CC)) 2>/dev/null),)
override CC := cc
endif
ifeq ($(shell command -v $(firstword $(CLANG)) 2>/dev/null),)
override with_llvm := no
endif

# pg_config's CFLAGS are those of the compiler PostgreSQL was built with; a newer one's
# options (e.g. -Wmissing-variable-declarations, unknown to gcc 12) would stop the
# build: keep only the options this compiler accepts (each tried once, on an empty file).
UNKNOWN_CFLAGS := $(shell for flag in $(filter -W% -f% -m%,$(CFLAGS)); do \
	$(CC) -Werror $$flag -x c -c -o /dev/null /dev/null >/dev/null 2>&1 || echo $$flag; done)
override CFLAGS := $(filter-out $(UNKNOWN_CFLAGS),$(CFLAGS))
PG_MAJOR := $(shell $(PG_CONFIG) --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')

# Objects built for one installation are not for another: they are rebuilt when
# PG_CONFIG, its version or the Python changes (the stamp changes only then).
BUILD_STAMP = src/.build-for
BUILD_FOR = $(PG_CONFIG) $(shell $(PG_CONFIG) --version) $(PYTHON_CONFIG) $(PYTHON_VERSION) $(VENV_SITE)
EXTRA_CLEAN = $(BUILD_STAMP)
$(BUILD_STAMP): FORCE
	@if [ "$$(cat $@ 2>/dev/null)" != "$(BUILD_FOR)" ]; then echo "$(BUILD_FOR)" >$@; fi
$(OBJS): $(BUILD_STAMP)
.PHONY: FORCE
FORCE:

# A clear message instead of "postgres.h: No such file or directory".
SERVER_HEADERS = $(shell $(PG_CONFIG) --includedir-server)/postgres.h
$(OBJS): | check-headers
check-headers:
	@test -f "$(SERVER_HEADERS)" || { echo "hubspot_fdw: $(SERVER_HEADERS) is missing:" \
	  "install the PostgreSQL server headers (Debian: postgresql-server-dev-$(PG_MAJOR)) for $(PG_CONFIG)" >&2; exit 1; }

install: python-env

deps:
	@bash scripts/install_deps.sh $(PG_CONFIG)

python-env:
	bash scripts/install_python_env.sh $(VENV)

# The tests and the demo start PostgreSQL from the same installation they build for.
PG_BINDIR = $(shell $(PG_CONFIG) --bindir 2>/dev/null)

test: install
	PG_BIN=$(PG_BINDIR) bash scripts/run_tests.sh $(VENV)

demo:
	@PG_BIN=$(PG_BINDIR) bash scripts/demo.sh $(VENV)
endif
