# Two commands do everything: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export GX_ANALYTICS_ENABLED ?= false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
export DO_NOT_TRACK ?= 1

.PHONY: setup demo test lint clean serve

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/svna demo

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data/processed/* reports/* .pytest_cache
	touch data/processed/.gitkeep reports/.gitkeep

# `make serve`: a local Prefect server in the background (log and pid in .prefect/; one
# already running on PREFECT_PORT is used instead), a process work pool `svna`, the deployments
# of prefect.yaml, and a worker in the foreground. Ctrl-C stops the worker and the server it
# started. SVNA_CONFIG picks the area: by default the demo (run `make demo` first).
SVNA_CONFIG ?= config/demo.yaml
PREFECT_PORT ?= 4200

serve: $(STAMP)
	@set -e; mkdir -p .prefect; \
	export PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api SVNA_CONFIG=$(SVNA_CONFIG) \
	       SVNA_PROJECT_DIR=$(CURDIR); \
	if [ "$(SVNA_CONFIG)" = config/demo.yaml ] && [ -z "$$SVNA_PSEUDONYM_KEY" ]; then \
	    export SVNA_PSEUDONYM_KEY="$$($(BIN)/python -c 'from svna.cli import DEMO_KEY; print(DEMO_KEY)')"; \
	fi; \
	up() { $(BIN)/python -c "import urllib.request as u; u.urlopen('$$PREFECT_API_URL/health', timeout=2)" 2>/dev/null; }; \
	if ! up; then \
	    $(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT) > .prefect/server.log 2>&1 & \
	    echo $$! > .prefect/server.pid; \
	    for i in $$(seq 180); do up && break; sleep 1; done; \
	    up || { echo "the Prefect server did not start: see .prefect/server.log"; exit 1; }; \
	fi; \
	echo "Prefect server: http://127.0.0.1:$(PREFECT_PORT)"; \
	$(BIN)/prefect work-pool create svna --type process --overwrite; \
	$(BIN)/prefect --no-prompt deploy --all; \
	exec $(BIN)/prefect worker start --pool svna
