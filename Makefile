# Two targets for people: `make run` and `make test`. Everything else is meson.
BUILD ?= build
MESON_FLAGS ?=

.PHONY: run test build deps clean

run: build
	GSETTINGS_SCHEMA_DIR=$(BUILD)/data EAD_LOCALEDIR=$(BUILD)/po $(BUILD)/app/ead-workbench

test: build
	meson test -C $(BUILD) --print-errorlogs

build: deps
	@if [ ! -f $(BUILD)/build.ninja ]; then meson setup $(BUILD) $(MESON_FLAGS); fi
	meson compile -C $(BUILD)

deps:
	@tools/install-deps.sh

clean:
	rm -rf $(BUILD)
