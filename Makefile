# The two commands of the README, and a few helpers.
# uv is installed with pip when missing, pinned like everything else.
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)

.PHONY: demo test install lint schema bench

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen

demo: install
	$(UV) run crm serve --demo

lint: install
	$(UV) run ruff check crm tests migrations bench
	$(UV) run ruff format --check crm tests migrations bench
	$(UV) run mypy

# The API tests once more with graphql-core's executor: the compiled engine must not be needed to pass.
API_TESTS := $(wildcard tests/*/test_*api.py)

test: lint
	$(UV) run crm export-schema --check
	$(UV) run pytest $(PYTEST_ARGS)
	$(UV) run pytest --engine=off -q -p no:cacheprovider $(API_TESTS)

bench: install
	$(UV) run python -m bench.run --scale S

schema: install
	$(UV) run crm export-schema
