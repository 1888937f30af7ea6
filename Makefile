# The two commands: `make run` (the whole platform offline) and `make test` (the whole suite).
# Both create the virtualenv from Python 3.12 and install what they need on a fresh machine.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS := public_api,backoffice,media,infra,ops,local,dev

.PHONY: cfn-lint cdk-diff cdk-deploy cdk-destroy deploy-backoffice collectstatic synthetic smoke
.PHONY: run test venv system-packages browser-assets lint bench package-backoffice synth iam-report clean

run: $(STAMP) system-packages browser-assets
	$(PY) -m local.run

test: $(STAMP) system-packages browser-assets
	$(PY) -m pytest -n 2 --dist loadgroup

venv: $(STAMP) system-packages browser-assets

# axe-core (npm registry, pinned) for the browser journeys' accessibility checks, into .cache/browser-assets.
browser-assets:
	@bash scripts/browser-assets

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
	$(if $(STAGES),CDK_CONTEXT_JSON='{"stages": "$(STAGES)"}') CDK_OUTDIR=cdk.out $(PY) -m infra.app
	@echo "Synthesized $$(ls cdk.out/assembly-*/*.template.json | wc -l) templates," \
		"$$(ls -d cdk.out/asset.* | wc -l) assets into cdk.out"

# The artifacts test (tests/artifacts, also part of `make test`) rewrites docs/iam-unused-grants.md: the
# grants of the prod templates that none of the functions' recorded AWS calls needed. Review it, trim.
iam-report: $(STAMP)
	SHIKHAR_WRITE_IAM_REPORT=1 $(PY) -m pytest -q -m artifacts tests/artifacts
	@cat docs/iam-unused-grants.md

# The back office's Lambda package, from a slim virtualenv holding only its runtime dependencies
# (`zappa package` zips the whole active virtualenv). No AWS credentials needed. STAGE=dev|staging|prod.
# The slim virtualenv is kept while its requirements are unchanged, so a repeat only zips.
BACKOFFICE_VENV := build/backoffice-venv
STAGE ?= dev
package-backoffice: $(STAMP)
	mkdir -p build
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
		print('\n'.join(p['dependencies'] + p['optional-dependencies']['backoffice'] + ['zappa==0.63.0']))" \
		> build/backoffice-requirements.new
	@if ! cmp -s build/backoffice-requirements.new $(BACKOFFICE_VENV)/requirements.txt; then \
		rm -rf $(BACKOFFICE_VENV) && bash scripts/python312 -m venv $(BACKOFFICE_VENV) && \
		$(BACKOFFICE_VENV)/bin/pip install --quiet --upgrade pip && \
		$(BACKOFFICE_VENV)/bin/pip install --quiet -r build/backoffice-requirements.new && \
		cp build/backoffice-requirements.new $(BACKOFFICE_VENV)/requirements.txt; fi
	VIRTUAL_ENV=$(CURDIR)/$(BACKOFFICE_VENV) PATH=$(CURDIR)/$(BACKOFFICE_VENV)/bin:$$PATH \
		zappa package $(STAGE) -o build/shikhar-backoffice-$(STAGE).zip
	@echo "Package: build/shikhar-backoffice-$(STAGE).zip, $$(du -h build/shikhar-backoffice-$(STAGE).zip | cut -f1)" \
		"($$(stat -c %s build/shikhar-backoffice-$(STAGE).zip) bytes)"

# Delivery (.github/workflows, docs/runbooks/deploy.md). STAGE=dev|staging|prod|pr<number>; the cdk-*
# targets deploy the cloud assembly in cdk.out (make synth, or the pipeline's artifact) with the AWS
# credentials of the environment (the pipeline assumes the stage's role through OpenID Connect).
CDK := npx --yes aws-cdk@2
STAGE_ID = $(shell echo $(STAGE) | sed 's/./\U&/')
ZAPPA_COMMAND ?= update
STAGE_VARIABLES = $(PY) -c "import json, sys; \
	s = json.load(open('zappa_settings.json'))['$(STAGE)']['aws_environment_variables']; \
	print(' '.join(f'{k}={v}' for k, v in s.items()))"

cfn-lint: $(STAMP)
	$(PY) -m infra.lint cdk.out

cdk-diff:
	$(CDK) diff --app cdk.out "$(STAGE_ID)/*"

cdk-deploy:
	$(CDK) deploy --app cdk.out "$(STAGE_ID)/*" --require-approval never --concurrency 4 --progress events

# Pull-request stages only: their versioned buckets are emptied (every version) first, as CloudFormation
# cannot delete a bucket that holds objects.
cdk-destroy:
	@case "$(STAGE)" in pr[1-9]*) ;; *) echo "cdk-destroy is for pull-request stages (pr<number>) only" >&2; exit 2;; esac
	$(PY) -c "import boto3; [b.object_versions.delete() for b in boto3.resource('s3').buckets.all() \
		if b.name.startswith('shikhar-$(STAGE)-')]"
	$(CDK) destroy --app cdk.out "$(STAGE_ID)/*" --force

# The back office: the package of package-backoffice, then `zappa update` (ZAPPA_COMMAND=deploy the first
# time). The account in the settings' role ARN is the one of the credentials in use.
deploy-backoffice: package-backoffice
	$(PY) -c "import boto3; account = boto3.client('sts').get_caller_identity()['Account']; \
		open('build/zappa_settings.json', 'w').write(open('zappa_settings.json').read().replace('<account>', account))"
	VIRTUAL_ENV=$(CURDIR)/$(BACKOFFICE_VENV) PATH=$(CURDIR)/$(BACKOFFICE_VENV)/bin:$$PATH \
		zappa $(ZAPPA_COMMAND) $(STAGE) --settings_file build/zappa_settings.json --zip build/shikhar-backoffice-$(STAGE).zip

# collectstatic with the production settings and the stage's environment as Zappa gives it to Lambda
# (parameters and secret names from zappa_settings.json): the files land in the stage's static bucket.
collectstatic: $(STAMP)
	env $$($(STAGE_VARIABLES)) $(PY) manage.py collectstatic --noinput --settings=backoffice.settings.production

# The synthetic journey against the stage, through CloudFront, as the canary's user. Names from
# marketplace.deployment (the parameter holding the distribution's domain, the canary's secret).
DEPLOYMENT_NAME = $(shell $(PY) -c "from marketplace import deployment as d; print($(1))")
DOMAIN_PARAMETER = $(call DEPLOYMENT_NAME,d.parameter('$(STAGE)', d.CLOUDFRONT_DOMAIN))
CLOUDFRONT_DOMAIN = $$(aws ssm get-parameter --name $(DOMAIN_PARAMETER) --query Parameter.Value --output text)
synthetic: $(STAMP)
	SHIKHAR_USE_LOCAL=0 $(PY) -m ops synthetic --api "https://$(CLOUDFRONT_DOMAIN)/api" \
		--secret-arn $(call DEPLOYMENT_NAME,d.secret_name('$(STAGE)', d.CANARY_SECRET)) \
		--client-id "$$(aws cloudformation describe-stacks --stack-name Shikhar-$(STAGE)-auth \
			--query "Stacks[0].Outputs[?OutputKey=='AppsClientId'].OutputValue" --output text)"

# A pull request's stage has no users yet: its check is that the public API answers through CloudFront.
smoke:
	curl --fail --silent --show-error --retry 10 --retry-delay 15 --retry-all-errors -o /dev/null \
		"https://$(CLOUDFRONT_DOMAIN)/api/v1/listings"
