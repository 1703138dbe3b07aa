# Clausier — the front door. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CLAUSIER := $(BIN)/clausier

# Material prints a notice about its successor on every build; it is not ours to show.
export NO_MKDOCS_2_WARNING := 1

.DEFAULT_GOAL := help
.PHONY: help pdf docx html md all check docs serve test bench compare clean jemalloc

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# Our own modules compiled to bytecode: an editable install leaves them as source, and where
# PYTHONDONTWRITEBYTECODE is set Python compiles them again on every run (a third of a second
# of a one-agreement rebuild).
COMPILE = $(BIN)/python -m compileall -q scripts/clausier

# The virtual environment is a real prerequisite: it is rebuilt when pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	$(COMPILE)
	@touch $@

# No separate check: `build` runs check's rules on what it builds and the library's once, lists
# every error with its place, builds the agreements without errors, and leaves a bad one's last
# good PDF in place (exit 1).
pdf: $(STAMP) ## Build every agreement to PDF in build/, refusing those check finds errors in
	$(CLAUSIER) build --to pdf

docx: $(STAMP) ## Build every agreement to DOCX
	$(CLAUSIER) build --to docx

html: $(STAMP) ## Build every agreement to standalone HTML
	$(CLAUSIER) build --to html

md: $(STAMP) ## Write every assembled agreement as Markdown
	$(CLAUSIER) build --to md

all: $(STAMP) ## Build every agreement to PDF, DOCX, HTML and Markdown
	$(CLAUSIER) build --to pdf,docx,html,md

check: $(STAMP) ## Validate the library, templates and agreements
	$(CLAUSIER) check

docs: $(STAMP) ## Build the clause handbook into site/ (strict)
	$(BIN)/mkdocs build --strict

serve: $(STAMP) ## Serve the handbook on http://127.0.0.1:8000 with live reload
	$(BIN)/mkdocs serve

test: $(STAMP) ## Run the whole test suite
	$(BIN)/python -m pytest

# Optional: large builds restart with the system's jemalloc when it is installed (README, "A faster
# allocator for large builds"). Installs Debian's package when run as root with apt; never fails.
jemalloc: ## Install the system's jemalloc (Debian/Ubuntu, as root) for faster large builds
	@if $(BIN)/python -c 'import sys; sys.path.insert(0, "scripts"); from clausier.fast import allocator; sys.exit(allocator.find_library() is None)' 2>/dev/null; then \
		echo "jemalloc is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing libjemalloc2"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjemalloc2) >/dev/null 2>&1 \
			|| echo "warning: libjemalloc2 could not be installed; builds use the system allocator" >&2; \
	else \
		echo "jemalloc is not installed: on Debian or Ubuntu, sudo apt install libjemalloc2"; \
	fi

bench: $(STAMP) jemalloc ## Benchmarks (not tests): builds of 1, 100 and 1,000 agreements; handbook of 250 to 2,000 clauses; import of a 50-page contract; preview save → refreshed
	$(COMPILE)
	$(BIN)/python benchmarks/build_scale.py
	$(BIN)/python benchmarks/handbook_scale.py
	$(BIN)/python benchmarks/import_scale.py
	$(BIN)/python benchmarks/preview_latency.py

compare: $(STAMP) ## Side by side with an earlier revision, same minutes: make compare BASE=<revision>
	@test -n "$(BASE)" || { echo "usage: make compare BASE=<revision>"; exit 2; }
	$(BIN)/python benchmarks/compare_revisions.py $(BASE)

# The Guide's reference pages come from the code (click's help, the JSON Schema, the rule registry);
# tests/test_reference_docs.py fails when the committed pages differ from what this writes.
.PHONY: reference
reference: $(STAMP) ## Regenerate docs/reference/ (commands, agreement fields, check rules) from the code
	$(BIN)/python -m clausier.reference_docs

clean: ## Remove build outputs (keeps the virtual environment)
	rm -rf build site

# ---- pull requests: what a change does to the contracts (README, "Pull requests") ------------
# BASE is the revision to compare with (default: the merge base with main), e.g. BASE=origin/main.
.PHONY: impact changed-pdf redlines check-github
export BASE

impact: $(STAMP) ## Agreements whose text changes since BASE, with the words changed
	$(CLAUSIER) impact $${BASE:+--base "$$BASE"}

# File names go from impact to build and diff separated by NUL bytes and after `--`: never
# word-split, never read as options, whatever they hold (spaces, newlines, leading dashes).
# A failed agreement exits 1, as `clausier build` does (not xargs' own 123).
changed-pdf: $(STAMP) ## Build to PDF only the agreements whose text changes since BASE
	@list="$$(mktemp)" || exit 1; trap 'rm -f "$$list"' EXIT; \
	$(CLAUSIER) impact $${BASE:+--base "$$BASE"} --format paths0 >"$$list" || exit $$?; \
	if [ ! -s "$$list" ]; then echo "no agreement's text changes"; \
	else xargs -0 $(CLAUSIER) build --to pdf -- <"$$list" || exit 1; fi

redlines: $(STAMP) ## Redlines (HTML, PDF, DOCX) and summaries of the changed agreements in build/diff/
	@list="$$(mktemp)" || exit 1; trap 'rm -f "$$list"' EXIT; \
	$(CLAUSIER) impact $${BASE:+--base "$$BASE"} --format paths0 >"$$list" || exit $$?; \
	if [ -s "$$list" ]; then xargs -0 -n 1 $(CLAUSIER) diff $${BASE:+--base "$$BASE"} -- <"$$list" >/dev/null || exit 1; fi

check-github: $(STAMP) ## clausier check with GitHub annotations (for CI)
	$(CLAUSIER) check --format github
