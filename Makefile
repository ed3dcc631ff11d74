# Two targets for people: `make run` and `make test`; `make fuzz` for the
# parsers of outside files. Everything else is meson.
BUILD ?= build
MESON_FLAGS ?=
# `make fuzz`: libFuzzer over every parser of outside files, FUZZ_SECONDS
# each, in a build folder of its own (clang, AddressSanitizer, UBSan).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES ?= zip pickle tflite safetensors model teacher-import image

.PHONY: run test build deps clean fuzz

run: build
	GSETTINGS_SCHEMA_DIR=$(BUILD)/data EAD_LOCALEDIR=$(BUILD)/po $(BUILD)/app/ead-workbench

test: build
	meson test -C $(BUILD) --print-errorlogs

build: deps
	@if [ ! -f $(BUILD)/build.ninja ]; then meson setup $(BUILD) $(MESON_FLAGS); fi
	meson compile -C $(BUILD)

deps:
	@tools/install-deps.sh

fuzz:
	@tools/install-deps.sh clang libclang-rt-14-dev
	@if [ ! -f $(FUZZ_BUILD)/build.ninja ]; then \
	  CC=clang CXX=clang++ meson setup $(FUZZ_BUILD) -Dfuzzing=true -Db_sanitize=address,undefined \
	    -Db_lundef=false -Dbuildtype=debugoptimized $(MESON_FLAGS); fi
	meson compile -C $(FUZZ_BUILD) $(addprefix tests/fuzz/fuzz-,$(FUZZ_HARNESSES))
	tests/fuzz/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
