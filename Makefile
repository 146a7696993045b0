# The two commands: `make demo` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

# torch first, the CPU build this machine kind keeps on disk: the integrations extra's frameworks
# (lightning, transformers, keras) then use it instead of pulling a multi-GB CUDA build.
TORCH ?= torch==2.13.0

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet '$(TORCH)'
	$(BIN)/python -m pip install --quiet -e '.[test,integrations,tensorboard,mlflow]'
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(BIN)/python examples/demo.py --port $(PORT)

test: $(VENV)/.test-installed
	node --test tests/js/*.test.js
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) runs site
