# PlateGuard developer entry points. `make demo` and `make test` work on a fresh clone:
# they create .venv and install what they need (package registries only; no Docker, no AWS).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test unit integration infra lint typecheck synth layer layer-smoke cfn-lint diff deploy bench bench-hotlist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	# Only the pretrained PP-OCR ONNX files inside the rapidocr wheel are used (loaded from the
	# installed package, never downloaded); its own runtime and dependencies are not needed.
	$(BIN)/pip install -q --no-deps 'rapidocr>=3.10,<4'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/plateguard demo

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -q

unit: install
	$(BIN)/pytest -q tests/unit

integration: install
	$(BIN)/pytest -q tests/integration

infra: install
	$(BIN)/pytest -q tests/infra

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy functions/plateguard

layer: install
	$(BIN)/python layers/build.py

synth: install
	$(BIN)/python app.py

cfn-lint: synth
	$(BIN)/cfn-lint cdk.out/PlateGuard.template.json

# Builds the layers for this machine's Python and runs every handler import and ONNX model in them.
layer-smoke: install
	$(BIN)/python layers/build.py --python-version 3.11 --out /tmp/plateguard-layers-311
	$(BIN)/pip install -q --target /tmp/plateguard-layers-311/var-runtime boto3
	python3.11 -S layers/smoke.py /tmp/plateguard-layers-311

POLICY ?= examples/policy/california.yaml

diff: install
	npx -y aws-cdk@2 diff PlateGuard -c plateguard:policyFile=$(POLICY)

deploy: install
	npx -y aws-cdk@2 deploy PlateGuard -c plateguard:policyFile=$(POLICY)

bench: install
	$(BIN)/python -m benchmarks.recognition ../shared/datasets/openalpr-us-dev

bench-hotlist: install
	$(BIN)/python -m benchmarks.hotlist

clean:
	rm -rf $(VENV) cdk.out layers/build .plateguard .pytest_cache .ruff_cache .mypy_cache
