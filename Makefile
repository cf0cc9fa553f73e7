# Photo Finish: `make run` opens the app on the 2009 race; `make test` runs every check.
# Both create the virtual environment and install what is missing, system packages included.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Debian packages Qt's xcb and offscreen platforms load at run time.
QT_DEBS := libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 \
	libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 \
	libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 \
	libxcb-xinerama0 libxcb-xkb1 libxcb-xfixes0 libxrender1 fonts-dejavu-core
# And what the tests need: a virtual X display and a way to look at it, and ffmpeg
# (optional for users: replay clips as MP4; GIF needs only Pillow), desktop-file-validate
# for the .desktop entry, and the shared MIME database with xdg-mime (and the mimetype tool
# it asks outside a desktop session) to check that race files open with the app, and a
# D-Bus daemon for a private session bus that the alerts' tests put a notification service on.
TEST_DEBS := xvfb xauth x11-utils ffmpeg desktop-file-utils shared-mime-info xdg-utils \
	libfile-mimeinfo-perl dbus-daemon

# Installs the Debian packages named in $(1) that are missing: with apt-get when
# root, otherwise it names them and stops. Does nothing where there is no dpkg.
define ensure_debs
	@missing=""; \
	if command -v dpkg-query >/dev/null 2>&1; then \
	  for p in $(1); do \
	    dpkg-query -W -f='$${Status}\n' "$$p" "$${p}t64" 2>/dev/null | grep -q "ok installed" \
	      || missing="$$missing $$p"; \
	  done; \
	fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing system packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $$missing >/dev/null) || exit 1; \
	  else \
	    echo "Photo Finish needs these system packages:$$missing"; \
	    echo "Install them with: sudo apt-get install$$missing"; \
	    exit 1; \
	  fi; \
	fi
endef

.PHONY: run test lint bench sample clean

run: $(STAMP)
	$(call ensure_debs,$(QT_DEBS))
	$(PY) -m photofinish $(ARGS)

test: $(STAMP)
	$(call ensure_debs,$(QT_DEBS) $(TEST_DEBS))
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m mypy --strict gui/core
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

sample: $(STAMP)
	$(PY) data/build_sample.py

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing python3-venv"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends python3-venv >/dev/null && \
	    $(PYTHON) -m venv $(VENV); \
	  else \
	    echo "Could not create a virtual environment: install python3-venv and retry."; \
	    exit 1; \
	  fi; }
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
