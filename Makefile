# Everyday commands. `make lab` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EXTRAS ?= torch,lab,book,dev
PYTEST_ARGS ?=

.PHONY: install lab test test-lib test-notebooks lint book bench quiz clean

install: $(STAMP)

$(STAMP): pyproject.toml tools/torch_requirement.py tools/lab_settings.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# A local CPU-only torch wheel, when there is one, keeps pip from pulling a CUDA build.
	@req="$$($(PY) tools/torch_requirement.py)"; \
	  if [ -n "$$req" ]; then echo "installing $$req (local CPU build)"; \
	  $(PY) -m pip install --quiet "$$req"; fi
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	$(PY) -m pip install --quiet --no-deps "mup==1.0.0"  # pyproject's nodeps extra, without its deps
	@# Notebooks are stored without outputs: git strips every notebook it stages (nbstripout,
	@# keeping cell ids), so running one in JupyterLab never puts outputs into the repository.
	@if git rev-parse --git-dir >/dev/null 2>&1 && test -x $(VENV)/bin/nbstripout; then \
	  $(VENV)/bin/nbstripout --install --attributes .gitattributes && \
	  git config filter.nbstripout.clean '"$(abspath $(PY))" -m nbstripout --keep-id' && \
	  git config diff.ipynb.textconv '"$(abspath $(PY))" -m nbstripout --keep-id -t'; fi
	@# JupyterLab without the news pop-up and update checks (tools/lab_settings.py)
	$(PY) tools/lab_settings.py
	touch $(STAMP)

# Jupyter refuses to run as root unless told; root is common in containers and CI machines.
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: install
	$(VENV)/bin/jupyter lab $(LAB_ROOT_FLAG) notebooks/

test: install
	$(PY) -m pytest -n 2 --dist loadfile --durations=20 --nbval-lax --nbval-current-env tests notebooks $(PYTEST_ARGS)

test-lib: install
	$(PY) -m pytest -n 2 --dist loadfile tests $(PYTEST_ARGS)

test-notebooks: install
	$(PY) -m pytest -n 2 --dist loadfile --nbval-lax --nbval-current-env notebooks $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check lrlearn tests benchmarks tools

book: install
	$(PY) tools/vendor_js.py
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

bench: install
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

quiz: install
	$(VENV)/bin/lrlearn quiz

clean:
	rm -rf $(VENV) _build _vendor node_modules book/quiz.md book/quiz artifacts .pytest_cache .hypothesis
