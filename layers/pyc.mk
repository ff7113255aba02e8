# Included by each layer's Makefile. A layer is read-only in Lambda, so modules without
# bytecode are compiled again at every cold start (measured: the chat function's imports take
# ~900 ms from source, ~350 ms from bytecode; docs/BENCHMARKS.md). The bytecode must come from
# the runtime's own Python version, so it is compiled with python$(LAMBDA_PYTHON) where this
# machine has one; "unchecked-hash" keeps it valid whatever mtimes packaging leaves behind.
LAMBDA_PY ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/$(LAMBDA_PYTHON).*/bin/python$(LAMBDA_PYTHON)) \
	$(wildcard /usr/local/bin/python$(LAMBDA_PYTHON) /usr/bin/python$(LAMBDA_PYTHON)))

define compile_pyc
	find "$(1)" -name "__pycache__" -type d -prune -exec rm -rf {} +
	@if [ -n "$(LAMBDA_PY)" ]; then \
		"$(LAMBDA_PY)" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(1)" >/dev/null \
		|| echo "note: some modules did not compile (they compile at import)"; \
	else echo "note: no python$(LAMBDA_PYTHON) on this machine: the layer ships without bytecode (slower cold starts)"; fi
endef
