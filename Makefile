# PlateGuard developer entry points. `make demo` and `make test` work on a fresh clone:
# they create .venv and install what they need (package registries only; no Docker, no AWS).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test unit functional integration infra lint typecheck synth layer layer-smoke policy-guard cfn-lint diff deploy bench bench-hotlist bench-audit bench-retention clean

# constraints.txt pins what the Lambda layers ship (layers/build.py uses it too), so dev, tests and
# benchmarks run the same onnxruntime/opencv/numpy/pydantic as Lambda.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	# Only the pretrained PP-OCR ONNX files inside the rapidocr wheel are used (loaded from the
	# installed package, never downloaded); its own runtime and dependencies are not needed.
	$(BIN)/pip install -q -c constraints.txt --no-deps 'rapidocr>=3.10,<4'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/plateguard demo

# Tests by cost (docs/architecture.md, "Tests by cost"): unit = pure logic on in-memory fakes (tests/fakes/),
# functional = handlers on in-process moto, integration = local mode, the CLI and the runbook,
# infra = the synthesized stack (one synthesis per session). `make test` = lint, typecheck, then every
# tier in that order, each in its own pytest process: a tier never sees what another left behind
# (in one process the unit tier's logging set-up hid a functional test's log records).
# PYTEST_ARGS passes options through, e.g. `make unit PYTEST_ARGS="-x --durations=10"`.
TIERS := tests/unit tests/functional tests/integration tests/infra
PYTEST := $(BIN)/pytest -q $(PYTEST_ARGS)

test: lint typecheck
	@set -e; for tier in $(TIERS); do echo "== $$tier"; $(PYTEST) $$tier; done

unit: install
	$(PYTEST) tests/unit

functional: install
	$(PYTEST) tests/functional

integration: install
	$(PYTEST) tests/integration

infra: install
	$(PYTEST) tests/infra

# Layering contracts (.importlinter) are checked by import-linter's `lint-imports`, a dev dependency.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@if [ ! -x $(BIN)/lint-imports ]; then \
		echo "ERROR: $(BIN)/lint-imports not found: import-linter is a dev dependency; rerun: rm $(STAMP) && make install" >&2; \
		exit 2; fi
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy functions/plateguard

layer: install
	$(BIN)/python layers/build.py

synth: install
	$(BIN)/python app.py

cfn-lint: synth
	$(BIN)/cfn-lint cdk.out/PlateGuard.template.json

# Builds the layers for CPython 3.12 (Lambda's) with the pinned versions and, under a real 3.12 that
# sees only the layers, functions/ and boto3, imports every handler and runs every ONNX model. The
# wheels are this machine's CPU (x86_64): Lambda's arm64 ones cannot execute here. Downloads wheels,
# so it is not part of `make test`. PYTHON312=/path/to/python3.12 picks the interpreter.
SMOKE_DIR := layers/build/smoke-3.12
layer-smoke: install
	@PY312=$$(layers/find-python3.12.sh) && echo "layer-smoke: $$PY312 ($$($$PY312 -V))" && \
	$(BIN)/python layers/build.py --python-version 3.12 --arch x86_64 --out $(SMOKE_DIR) && \
	$$PY312 -m pip install -q --disable-pip-version-check --root-user-action=ignore -c constraints.txt --upgrade \
		--target $(SMOKE_DIR)/var-runtime boto3 && \
	$$PY312 -S layers/smoke.py $(SMOKE_DIR)

# diff/deploy take the agency's own policy file (`plateguard policy init` writes a first one): there is
# no default, and the examples (fictitious agencies) are refused.
POLICY ?=
policy-guard:
	@if [ -z "$(POLICY)" ]; then \
		echo "ERROR: $(MAKECMDGOALS) needs the agency's policy file: make $(MAKECMDGOALS) POLICY=FILE" >&2; \
		echo "  (write a first one with: .venv/bin/plateguard policy init --state CA --agency NAME --out FILE)" >&2; \
		exit 2; fi
	@if [ ! -f "$(POLICY)" ]; then echo "ERROR: POLICY=$(POLICY): no such file" >&2; exit 2; fi
	@case "$$(realpath "$(POLICY)")" in "$$(realpath examples)"/*) \
		echo "ERROR: POLICY=$(POLICY) is an example for a fictitious agency, not yours; refusing to $(MAKECMDGOALS)." >&2; \
		echo "  Write your own: .venv/bin/plateguard policy init --state CA --agency NAME --out FILE" >&2; \
		exit 2;; esac
	@if grep -nE "^[^#]*TO COMPLETE" "$(POLICY)" >&2; then \
		echo "ERROR: POLICY=$(POLICY) still has the 'TO COMPLETE' values above (from policy init); fill them in first." >&2; \
		exit 2; fi

diff: policy-guard install
	$(BIN)/plateguard policy check --policy $(POLICY)
	npx -y aws-cdk@2 diff PlateGuard -c plateguard:policyFile=$(abspath $(POLICY))

deploy: policy-guard install
	$(BIN)/plateguard policy check --policy $(POLICY)
	npx -y aws-cdk@2 deploy PlateGuard -c plateguard:policyFile=$(abspath $(POLICY))

# DATASET: a folder of labelled photos in the OpenALPR benchmark format (images + one .txt each).
DATASET ?=
bench: install
	@if [ -z "$(DATASET)" ]; then echo "ERROR: make bench DATASET=DIR (labelled photos, OpenALPR benchmark format)" >&2; exit 2; fi
	$(BIN)/python -m benchmarks.recognition $(DATASET)

bench-hotlist: install
	$(BIN)/python -m benchmarks.hotlist

# 16 concurrent audit writers for 60 s on local mode: requests, refusals, forks, gaps (docs/audit.md).
bench-audit: install
	$(BIN)/python -m benchmarks.audit_concurrency --writers 16 --seconds 60

# Retention sweep on moto at 20,000 and 200,000 reads, the same number due (docs/policy.md).
bench-retention: install
	$(BIN)/python -m benchmarks.retention

# A month's AWS bill at 1M images from the real handlers' measured calls on moto (docs/cost.md).
.PHONY: bench-cost
bench-cost: install
	$(BIN)/python -m benchmarks.cost

clean:
	rm -rf $(VENV) cdk.out layers/build .plateguard .pytest_cache .ruff_cache .mypy_cache
