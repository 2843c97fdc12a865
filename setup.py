"""Build entry of the hubspot_fdw Python package (setuptools).

The metadata (name, pinned dependencies, the ``hubspot-fdw`` command) lives in
pyproject.toml, which setuptools reads from here too, so ``pip install .`` and
``python setup.py --version`` agree; the version is ``hubspot_fdw.__version__``. Not here: the C extension (the Makefile builds
it with PGXS) or anything about PostgreSQL.
"""

from setuptools import setup

setup()
