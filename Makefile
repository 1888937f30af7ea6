# The two commands: `make run` (the whole platform offline) and `make test` (the whole suite).
# Both create the virtualenv from Python 3.12 and install what they need on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS := public_api,backoffice,media,infra,ops,local,dev

.PHONY: run test venv lint bench package-backoffice clean

run: $(STAMP)
	$(PY) -m local.run

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup

venv: $(STAMP)

$(STAMP): pyproject.toml scripts/python312
	@test -x $(PY) || bash scripts/python312 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .local cdk.out
