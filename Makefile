# Targets for people: `make run`, `make test`, `make test-sanitize`, and
# `make fuzz` for the parsers of outside files. Everything else is meson.
BUILD ?= build
MESON_FLAGS ?=
# `make fuzz`: libFuzzer over every parser of outside files, FUZZ_SECONDS
# each, in a build folder of its own (clang, AddressSanitizer, UBSan).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES ?= zip pickle tflite safetensors model teacher-import image

.PHONY: run test test-sanitize build deps clean fuzz

run: build
	GSETTINGS_SCHEMA_DIR=$(BUILD)/data EAD_LOCALEDIR=$(BUILD)/po $(BUILD)/app/ead-workbench

test: build
	meson test -C $(BUILD) --print-errorlogs

# The non-GUI suite under ASan (leaks included) and UBSan in its own build
# folder, nice'd; any report fails its test (UBSan would only warn).
SANITIZE_ENV = ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

test-sanitize: deps
	@if [ ! -f build-sanitize/build.ninja ]; then meson setup build-sanitize \
		-Db_sanitize=address,undefined -Db_lundef=false $(MESON_FLAGS); fi
	nice -n 10 meson compile -C build-sanitize
	$(SANITIZE_ENV) nice -n 10 meson test -C build-sanitize --no-suite gui \
		--timeout-multiplier 3 --print-errorlogs

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
	rm -rf $(BUILD) build-sanitize $(FUZZ_BUILD)
