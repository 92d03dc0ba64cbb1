# Two targets for a newcomer on a fresh machine (see README):
#   make demo   set everything up, then run the main job
#   make test   set everything up, then run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test check clean

$(STAMP): pyproject.toml scripts/setup-system.sh
	bash scripts/setup-system.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip "setuptools<81" wheel
	# The local CPU wheel; a plain `torch` requirement would pull a multi-GB CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	# pyworld builds from source against pkg_resources: build it without isolation.
	$(PY) -m pip install -q numpy cython
	$(PY) -m pip install -q --no-build-isolation pyworld
	$(PY) -m pip install -q -e ".[dev]"
	# NISQA (naturalness metric): its declared dependencies would replace the CPU torch.
	$(PY) -m pip install -q --no-deps nisqa
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/sfvae demo

test: setup
	$(PY) -m pytest -q -n auto

# Lint (ruff, configured in pyproject.toml) and the quick part of the suite.
check: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -n auto -m "not slow and not browser"

clean:
	rm -rf $(VENV) build *.egg-info
