# The two commands: `make run` (the whole platform offline) and `make test` (the whole suite).
# Both create the virtualenv from Python 3.12 and install what they need on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS := public_api,backoffice,media,infra,ops,local,dev

.PHONY: run test venv system-packages lint bench package-backoffice synth iam-report clean

run: $(STAMP) system-packages
	$(PY) -m local.run

test: $(STAMP) system-packages
	$(PY) -m pytest -n 2 --dist loadgroup

venv: $(STAMP) system-packages

# Debian packages the tests use (Chromium, ffmpeg, libvips): installed here when missing, never by a test.
system-packages:
	@bash scripts/system-packages

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
	rm -rf $(VENV) .local cdk.out .cache

# The real synthesis of every stage (dev, staging, prod) into cdk.out, with the dependency layers bundled
# for Lambda's arm64 platform by the local pip (no Docker). Built layers are kept in .cache/build, so a
# repeat copies them instead of installing. cdk-nag runs as part of the synthesis.
synth: $(STAMP)
	rm -rf cdk.out
	CDK_OUTDIR=cdk.out $(PY) -m infra.app
	@echo "Synthesized $$(ls cdk.out/assembly-*/*.template.json | wc -l) templates," \
		"$$(ls -d cdk.out/asset.* | wc -l) assets into cdk.out"

# The back office's Lambda package, from a slim virtualenv holding only its runtime dependencies
# (`zappa package` zips the whole active virtualenv). No AWS credentials needed. STAGE=dev|staging|prod.
BACKOFFICE_VENV := build/backoffice-venv
STAGE ?= dev
package-backoffice: $(STAMP)
	rm -rf $(BACKOFFICE_VENV) && mkdir -p build
	bash scripts/python312 -m venv $(BACKOFFICE_VENV)
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
		print('\n'.join(p['dependencies'] + p['optional-dependencies']['backoffice']))" > build/backoffice-requirements.txt
	$(BACKOFFICE_VENV)/bin/pip install --quiet --upgrade pip
	$(BACKOFFICE_VENV)/bin/pip install --quiet -r build/backoffice-requirements.txt zappa==0.63.0
	VIRTUAL_ENV=$(CURDIR)/$(BACKOFFICE_VENV) PATH=$(CURDIR)/$(BACKOFFICE_VENV)/bin:$$PATH \
		zappa package $(STAGE) -o build/shikhar-backoffice-$(STAGE).zip
	@echo "Package: build/shikhar-backoffice-$(STAGE).zip, $$(du -h build/shikhar-backoffice-$(STAGE).zip | cut -f1)" \
		"($$(stat -c %s build/shikhar-backoffice-$(STAGE).zip) bytes)"
