# dualion — two commands: `make demo` and `make test` (both create .venv if missing).
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# torch must come first and as a CPU build, or pip pulls a multi-GB CUDA build.
# On a machine without a local wheel cache set e.g.
#   make test TORCH_INDEX="--index-url https://download.pytorch.org/whl/cpu"
TORCH_INDEX ?=
STAMP  := $(VENV)/.dualion-installed
OUT    ?= dualion-demo
# test processes (pytest-xdist): one per core by default; `make test JOBS=1` runs the suite in one process
JOBS   ?= auto

.PHONY: install demo test bench sysdeps clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (dualion needs Python 3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml constraints.txt
	$(PIP) install -q --upgrade pip wheel setuptools
	$(PIP) install -q torch==2.13.0 $(TORCH_INDEX)
	$(PIP) install -q -c constraints.txt -e ".[all,test]"
	@touch $(STAMP)

install: $(STAMP) sysdeps

# Optional system tools: Arbin .res files need mdbtools (Debian/Ubuntu). Best effort only;
# the Arbin reader says clearly when it is missing.
sysdeps:
	@command -v mdb-export >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mdbtools >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mdbtools >/dev/null 2>&1)) \
	      && echo "installed mdbtools" || echo "note: mdbtools not installed; Arbin .res reading disabled"; \
	  else echo "note: mdbtools not found; install it (apt-get install mdbtools) to read Arbin .res files"; fi; }
	@# PostgreSQL server binaries: the results-database tests start a throw-away server (skipped without)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1)) \
	      && echo "installed postgresql" || echo "note: postgresql not installed; PostgreSQL database tests will skip"; \
	  else echo "note: PostgreSQL server not found (apt-get install postgresql); PostgreSQL database tests will skip"; fi; }

demo: install
	$(VENV)/bin/dualion demo --out $(OUT)

test: install
	$(PY) -m pytest -q -p no:cacheprovider -n $(JOBS) --dist worksteal --durations=25

bench: install
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
