# The two commands a new user needs: `make run` and `make test`. Everything they need is
# installed from here: a project virtualenv (.venv) and, apart, the SAM CLI (.tools/sam),
# whose pinned dependencies would otherwise fight the gateway's.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SAM := .tools/sam/bin/sam
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: run test tools sdk-ts compat compat-tools unit integration contract openapi lint typecheck check validate iac build bench bench-router invoke key eval-router train-router profile-router clean help

help:
	@echo "make run          start the local stack on http://127.0.0.1:$${PORT:-3000} (DynamoDB + provider simulator)"
	@echo "make test         lint, type check, checkov and cfn-lint, sam validate/lint/build, then every test (what CI runs)"
	@echo "make check        lint and type check only (ruff, ruff format, mypy --strict)"
	@echo "make iac          checkov and cfn-lint (with the serverless rules) over template.yaml"
	@echo "make unit         the unit tests alone (no sam build, no local stack)"
	@echo "make compat       real client libraries (openai, langchain, litellm, Agents SDK, Node) against a local stack"
	@echo "make openapi      write docs/openapi.json, generated from the pydantic schemas"
	@echo "make contract     schemathesis against a local stack it starts (docs/RELIABILITY.md)"
	@echo "make bench        gateway overhead, store round trips, cold start (docs/BENCHMARKS.md)"
	@echo "make invoke FN=ModelsFunction EVENT=events/ModelsFunction.json   twin of sam local invoke"
	@echo "make key LABEL=me create an API key in the running local stack"
	@echo "make eval-router DATA=x.csv   router vs Zero / Random / K-NN on a RouterBench-format CSV (held-out rows)"
	@echo "make profile-router MODEL=id [KEY=gw_live_...]   profile a model through the running gateway"

$(VENV)/.installed: pyproject.toml sdk/python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[local,dev,routing]' -e ./sdk/python
	touch $@

# The TypeScript SDK: npm ci from the committed lock file (only when it changed), then tsc to
# dist/ (ESM + .d.ts) and dist-test/ (the node --test suite tests/sdk/test_typescript.py runs).
TS := sdk/typescript
TS_SOURCES := $(wildcard $(TS)/src/*.ts $(TS)/test/*.ts) $(TS)/tsconfig.json $(TS)/tsconfig.test.json

$(TS)/node_modules/.installed: $(TS)/package.json $(TS)/package-lock.json
	cd $(TS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(TS)/dist/.built: $(TS)/node_modules/.installed $(TS_SOURCES)
	cd $(TS) && npm run --silent build
	touch $@

sdk-ts: $(TS)/dist/.built

.tools/sam/.installed:
	$(PYTHON) -m venv .tools/sam
	.tools/sam/bin/pip install --quiet --disable-pip-version-check --no-compile aws-sam-cli
	touch $@

.tools/checkov/.installed: tools/iac/requirements.txt
	$(PYTHON) -m venv .tools/checkov
	.tools/checkov/bin/pip install --quiet --disable-pip-version-check --no-compile -r tools/iac/requirements.txt
	touch $@

# The compatibility suite's clients (tests/compat), pinned and installed apart from the gateway's
# venv (their pins would fight ours): Python ones in .tools/compat, Node ones in .tools/compat-node
# (npm ci from the committed lock), linked where the scripts are. Installed once, then cached.
COMPAT_NODE := .tools/compat-node

.tools/compat/.installed: tests/compat/requirements.txt
	$(PYTHON) -m venv .tools/compat
	.tools/compat/bin/pip install --quiet --disable-pip-version-check --no-compile -r tests/compat/requirements.txt
	touch $@

$(COMPAT_NODE)/.installed: tests/compat/node/package.json tests/compat/node/package-lock.json
	mkdir -p $(COMPAT_NODE)
	cp tests/compat/node/package.json tests/compat/node/package-lock.json $(COMPAT_NODE)/
	cd $(COMPAT_NODE) && npm ci --no-audit --no-fund --loglevel=error
	ln -sfn ../../../$(COMPAT_NODE)/node_modules tests/compat/node/node_modules
	touch $@

compat-tools: .tools/compat/.installed $(COMPAT_NODE)/.installed

compat: $(VENV)/.installed compat-tools
	$(PY) -m pytest tests/compat -q

run: $(VENV)/.installed
	$(PY) -m local.stack

validate: .tools/sam/.installed
	$(SAM) validate
	$(SAM) validate --lint

# checkov (security and compliance; every skip is inline in the template with its reason) and
# cfn-lint with the serverless rules. --skip-download: no network for guidelines or policies.
iac: .tools/checkov/.installed
	.tools/checkov/bin/checkov --file template.yaml --framework cloudformation --skip-download --compact --quiet
	.tools/checkov/bin/cfn-lint template.yaml --append-rules cfn_lint_serverless.rules

build: validate $(VENV)/.installed
	PYTHON=$(CURDIR)/$(PY) $(SAM) build

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q

integration: $(VENV)/.installed
	$(PY) -m pytest tests/integration -q

# The contract, generated from the pydantic schemas; tests/unit/api/test_openapi.py fails when
# the committed file differs.
openapi: $(VENV)/.installed
	$(PY) -m gateway.api.openapi > docs/openapi.json

# Schemathesis against a local stack of its own (it also runs inside `make test`).
contract: $(VENV)/.installed .tools/schemathesis/.installed
	$(PY) -m pytest tests/integration/test_contract.py -q -s

LINTED := shared functions local tools tests sdk/python

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)

typecheck: $(VENV)/.installed
	MYPYPATH=shared $(VENV)/bin/mypy shared/gateway
	$(VENV)/bin/mypy sdk/python/src/llm_gateway

check: lint typecheck

# The quick checks first, side by side (code; the template's checkov and cfn-lint; its
# validation and the build; the TypeScript SDK), each starting as soon as its own virtualenv is
# installed while the test-only ones (compatibility clients, schemathesis) still install; each
# one's output kept together. Then every test. pytest exits 5
# when it collected nothing; make fails on any non-zero exit, so an empty run never passes.
# Two workers (-n 2): the schemathesis run and the stacks' subprocesses leave a core idle otherwise.
test:
	$(MAKE) -j4 --output-sync=target check iac build sdk-ts compat-tools .tools/schemathesis/.installed
	$(PY) -m pytest tests -q -n 2

# The virtualenvs install side by side: pip waits on downloads as much as on the CPU, so on a
# fresh clone this saves about a minute of make test. The tools' own virtualenvs skip pip's
# byte-compilation of every module they hold (checkov: 27 -> 17 s); what runs compiles what it
# imports on first use. The gateway's keeps it: the cold-start bench runs with -B.
tools:
	$(MAKE) -j4 $(VENV)/.installed .tools/sam/.installed .tools/checkov/.installed .tools/compat/.installed \
		$(COMPAT_NODE)/.installed .tools/schemathesis/.installed

# Schemathesis (tests/integration/test_contract.py) in its own Python 3.13 virtualenv where the
# machine has one: CPython 3.11.7's ast module has a recursion-depth bug ("AST constructor
# recursion depth mismatch") that crashes its generator now and then.
PY313 := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13.*/bin/python3.13) $(shell command -v python3.13))

.tools/schemathesis/.installed:
	$(or $(PY313),$(PYTHON)) -m venv .tools/schemathesis
	.tools/schemathesis/bin/pip install --quiet --disable-pip-version-check --no-compile "schemathesis==4.32.5"
	touch $@

bench: build
	$(PY) -m tools.bench
	$(PY) -m tools.semantic_routing.bench --n 500

bench-router: $(VENV)/.installed
	$(PY) -m tools.semantic_routing.bench --n 500

# The routing data is not shipped (the product never reads ../shared): DATA names a
# RouterBench-format CSV. On the training CSV only its held-out test split is scored, on the
# current models' CSV only the rows its offline profiles held out (data/split.<stem>.json).
ROUTING_DATA ?= ../shared/routing/routerbench_0shot_train.csv
CURRENT_DATA ?= ../shared/routing/current_models_train.csv

eval-router: $(VENV)/.installed
	@test -n "$(DATA)" || { echo "usage: make eval-router DATA=path/to/routerbench.csv"; exit 2; }
	$(PY) -m tools.semantic_routing.evaluate --data $(DATA)

# Rebuild shared/gateway/semantic_routing/data/ (deterministic: seeded split, K-means and folds),
# then profile the current models offline from their recorded outcomes (no re-clustering).
train-router: $(VENV)/.installed
	$(PY) -m tools.semantic_routing.train --data $(or $(DATA),$(ROUTING_DATA)) --date $(or $(DATE),2026-11-24)
	$(PY) -m tools.semantic_routing.profile --from-csv $(CURRENT_DATA) --date $(or $(DATE),2026-11-24) > /dev/null

# Profile one model through a running gateway (make run) with the shipped validation set.
profile-router: $(VENV)/.installed
	@test -n "$(MODEL)" || { echo "usage: make profile-router MODEL=<catalog id> [KEY=<gateway key>] [BASE_URL=...]"; exit 2; }
	GATEWAY_API_KEY=$(or $(KEY),$$GATEWAY_API_KEY) $(PY) -m tools.semantic_routing.profile --model $(MODEL) --base-url $(or $(BASE_URL),http://127.0.0.1:3000/v1)

invoke: $(VENV)/.installed
	$(PY) -m local.invoke $(FN) --event $(EVENT)

key: $(VENV)/.installed
	$(PY) -m local.keys create --label "$(or $(LABEL),cli)"

clean:
	rm -rf .aws-sam .pytest_cache .local $(TS)/dist $(TS)/dist-test
