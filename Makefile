# zcio — one Makefile for the library, the tools, the broker and the tests.
#
#   make              build everything into build/
#   make run          install what is missing, then run zcbench's default suite
#   make test         install what is missing, build, run every test (plain and
#                     under ASan+UBSan); ends with "N passed, N failed, N skipped"
#   make test-sanitize   only the sanitizer run (build/san)
#   make install      PREFIX=/usr/local: library, header, pkg-config file,
#                     manual pages, bash completions
#   make format       clang-format every C file in place
#   make fuzz         libFuzzer targets (clang) into build/fuzz/; see tests/fuzz/
#   make abi-check    compare libzcio.so's ABI with abi/libzcio.abi (abidiff)
#   make abi-baseline rewrite abi/libzcio.abi from the current build, on purpose
#
# Knobs: BUILD=dir (output folder), SANITIZE=1 (ASan+UBSan), CC, CFLAGS, V=1.
# Sources are picked up by wildcard: a new lib/*.c joins libzcio, a new
# tests/lib/*.c becomes a test program, and so on.

BUILD    ?= build
CC       ?= cc
PREFIX   ?= /usr/local
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
VERSION  := 1.0.0
SOMAJOR  := 0

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 $(WARN) $(CFLAGS) \
             -Iinclude -pthread -MMD -MP
ALL_LDFLAGS = -pthread $(LDFLAGS)
ifneq ($(SANITIZE),)
ALL_CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -DZC_SANITIZE=1
ALL_LDFLAGS += -fsanitize=address,undefined
endif
ALL_LDFLAGS += -Wl,--as-needed -lssl -lcrypto # broker/security (TLS, SCRAM)

ifeq ($(V),)
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
else
Q :=
say =
endif

# ---- sources ---------------------------------------------------------------
LIB_SRC      := $(sort $(wildcard lib/*.c))
COMMON_SRC   := $(sort $(wildcard tools/common/*.c))
ZCP_SRC      := $(sort $(wildcard tools/zcp/*.c))
ZCBENCH_SRC  := $(sort $(wildcard tools/zcbench/*.c))
BROKER_SRC   := $(sort $(wildcard broker/*.c broker/proto/*.c broker/log/*.c broker/group/*.c broker/security/*.c))
TLIB_SRC     := $(sort $(wildcard tests/lib/*.c))
TUNIT_SRC    := $(sort $(wildcard tests/unit/*.c))
TBROKER_SRC  := $(sort $(wildcard tests/broker/*.c))
BENCH_SRC    := $(sort $(wildcard bench/*.c))
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))

# The codec libraries produce uses to check compressed batches.
BROKER_LIBS  := -lz -llz4 -lzstd -lsnappy

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_OBJ      := $(call obj,$(LIB_SRC))
COMMON_OBJ   := $(call obj,$(COMMON_SRC))
ZCP_OBJ      := $(call obj,$(ZCP_SRC))
ZCBENCH_OBJ  := $(call obj,$(ZCBENCH_SRC))
BROKER_OBJ   := $(call obj,$(BROKER_SRC))
# Everything of the broker but its main(), for unit tests and fuzzers.
BROKER_CORE  := $(filter-out $(BUILD)/obj/broker/main.o,$(BROKER_OBJ))
HELPERS_OBJ  := $(call obj,tests/helpers.c)

STATIC_LIB   := $(BUILD)/libzcio.a
SHARED_LIB   := $(BUILD)/libzcio.so
TLIB_BIN     := $(patsubst tests/lib/%.c,$(BUILD)/tests/lib/%,$(TLIB_SRC))
TUNIT_BIN    := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(TUNIT_SRC))
TBROKER_BIN  := $(patsubst tests/broker/%.c,$(BUILD)/tests/broker/%,$(TBROKER_SRC))
BENCH_BIN    := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
FUZZ_REPLAY  := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/fuzz/%,$(FUZZ_SRC))

# The power-cut FUSE file system of tests/powercut/, only where libfuse3 is.
FUSE_LIBS    := $(shell pkg-config --libs fuse3 2>/dev/null)
POWERCUTFS   := $(if $(FUSE_LIBS),$(BUILD)/tests/powercut/powercutfs)

PROGRAMS := $(if $(ZCP_SRC),$(BUILD)/zcp) $(if $(ZCBENCH_SRC),$(BUILD)/zcbench) \
            $(if $(BROKER_SRC),$(BUILD)/zcbroker)

.PHONY: all lib tools broker tests bench-bin run test test-sanitize check \
        setup setup-run install uninstall format format-check clean fuzz fuzz-bin \
        abi-check abi-baseline
.DEFAULT_GOAL := all

all: lib $(PROGRAMS) tests

lib: $(STATIC_LIB) $(SHARED_LIB)
tests: $(TLIB_BIN) $(TUNIT_BIN) $(TBROKER_BIN) $(FUZZ_REPLAY) $(POWERCUTFS)

# ---- compile ---------------------------------------------------------------
# Library objects are PIC so one set serves the .a and the .so; symbols not
# marked ZC_API stay hidden in the .so.
$(BUILD)/obj/lib/%.o: lib/%.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -Ilib -c -o $@ $<

$(BUILD)/obj/broker/%.o: broker/%.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Ibroker -c -o $@ $<

$(BUILD)/obj/tests/%.o: tests/%.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Ilib -Ibroker -Itests -Itools/common -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itools/common -c -o $@ $<

# ---- link ------------------------------------------------------------------
$(STATIC_LIB): $(LIB_OBJ)
	$(call say,AR,$@)
	@rm -f $@
	$(Q)ar rcs $@ $^

# Symbols are versioned by lib/libzcio.map (see "ABI" in zcio.h).
$(SHARED_LIB): $(LIB_OBJ) lib/libzcio.map
	$(call say,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,libzcio.so.$(SOMAJOR) -Wl,-z,defs \
		-Wl,--version-script=lib/libzcio.map \
		-o $@ $(LIB_OBJ) $(ALL_LDFLAGS)

$(BUILD)/zcp: $(ZCP_OBJ) $(COMMON_OBJ) $(STATIC_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) -o $@ $(ZCP_OBJ) $(COMMON_OBJ) $(STATIC_LIB) $(ALL_LDFLAGS) -lm

$(BUILD)/zcbench: $(ZCBENCH_OBJ) $(COMMON_OBJ) $(STATIC_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) -o $@ $(ZCBENCH_OBJ) $(COMMON_OBJ) $(STATIC_LIB) $(ALL_LDFLAGS) -lm

$(BUILD)/zcbroker: $(BROKER_OBJ) $(STATIC_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) -o $@ $(BROKER_OBJ) $(STATIC_LIB) $(ALL_LDFLAGS) $(BROKER_LIBS) -lm

$(BUILD)/tests/lib/%: $(BUILD)/obj/tests/lib/%.o $(HELPERS_OBJ) $(STATIC_LIB)
	$(call say,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $< $(HELPERS_OBJ) $(STATIC_LIB) $(ALL_LDFLAGS) -lm

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(HELPERS_OBJ) $(BROKER_CORE) $(COMMON_OBJ) $(STATIC_LIB)
	$(call say,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $< $(HELPERS_OBJ) $(BROKER_CORE) $(COMMON_OBJ) $(STATIC_LIB) $(ALL_LDFLAGS) $(BROKER_LIBS) -lm

$(BUILD)/tests/broker/%: $(BUILD)/obj/tests/broker/%.o $(HELPERS_OBJ) $(BROKER_CORE) $(STATIC_LIB)
	$(call say,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $< $(HELPERS_OBJ) $(BROKER_CORE) $(STATIC_LIB) $(ALL_LDFLAGS) $(BROKER_LIBS) -lm

# tests/broker/rdk_*.c drive a real client's C API (librdkafka).
$(BUILD)/tests/broker/rdk_%: $(BUILD)/obj/tests/broker/rdk_%.o $(HELPERS_OBJ) $(BROKER_CORE) $(STATIC_LIB)
	$(call say,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $< $(HELPERS_OBJ) $(BROKER_CORE) $(STATIC_LIB) $(ALL_LDFLAGS) $(BROKER_LIBS) -lrdkafka -lm

# Benchmark programs may use the broker's storage and librdkafka (a real
# client); built on demand only.
$(BUILD)/bench/%: bench/%.c $(BROKER_CORE) $(STATIC_LIB)
	$(call say,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Ibroker -o $@ $< $(BROKER_CORE) $(STATIC_LIB) \
		$(ALL_LDFLAGS) $(BROKER_LIBS) -lrdkafka -lm

bench-bin: $(BENCH_BIN)

# The power-cut FUSE file system of tests/powercut/ (POWERCUTFS above).
$(BUILD)/tests/powercut/powercutfs: tests/powercut/powercutfs.c
	$(call say,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags fuse3) -o $@ $< \
		$(ALL_LDFLAGS) $(FUSE_LIBS)

# ---- fuzzing ---------------------------------------------------------------
# tests/fuzz/fuzz_NAME.c are libFuzzer targets. The normal build links each
# with replay_main.c into $(BUILD)/tests/fuzz/fuzz_NAME, a test replaying
# tests/fuzz/corpus/NAME/; `make fuzz` builds the real fuzzers with clang
# into $(FUZZ_BUILD)/fuzz_NAME. Run one with a scratch directory first (new
# inputs go there): fuzz_NAME WORKDIR tests/fuzz/corpus/NAME -close_fd_mask=2
FUZZ_COMMON  := $(call obj,tests/fuzz/common.c)
FUZZ_BUILD   ?= build/fuzz
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer \
                -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=all

$(BUILD)/tests/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o \
		$(call obj,tests/fuzz/replay_main.c) $(FUZZ_COMMON) \
		$(HELPERS_OBJ) $(BROKER_CORE) $(STATIC_LIB)
	$(call say,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(ALL_LDFLAGS) $(BROKER_LIBS) -lm

# Keep the objects: they are reached only through pattern rules.
.SECONDARY:

fuzz:
	@scripts/setup.sh fuzz
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
		CFLAGS="$(FUZZ_CFLAGS)" fuzz-bin

fuzz-bin: $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(FUZZ_SRC))

$(BUILD)/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_COMMON) \
		$(HELPERS_OBJ) $(BROKER_CORE) $(STATIC_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(ALL_LDFLAGS) $(BROKER_LIBS) -lm

# ---- the README's two commands ---------------------------------------------
setup:
	@scripts/setup.sh test

setup-run:
	@scripts/setup.sh run

run: setup-run
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@scripts/run-main.sh

# make test: the plain build and the sanitizer build, one summary line.
test: setup
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/san SANITIZE=1 all
	@tests/run-tests.sh --build build --san-build build/san

test-sanitize: setup
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/san SANITIZE=1 all
	@tests/run-tests.sh --build build/san --only-san

check: test

# ---- ABI -------------------------------------------------------------------
# The baseline is what released programs were built against: only
# `make abi-baseline` changes it, after a deliberate, compatible change.
ABI_BASELINE := abi/libzcio.abi

abi-check: $(SHARED_LIB)
	@scripts/abi-check.sh $(SHARED_LIB) $(ABI_BASELINE)

abi-baseline: $(SHARED_LIB)
	@mkdir -p $(dir $(ABI_BASELINE))
	abidw --headers-dir include --no-corpus-path --out-file $(ABI_BASELINE) $(SHARED_LIB)

# ---- install ---------------------------------------------------------------
install: lib
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/zcio.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(STATIC_LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(SHARED_LIB) $(DESTDIR)$(PREFIX)/lib/libzcio.so.$(VERSION)
	ln -sf libzcio.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libzcio.so.$(SOMAJOR)
	ln -sf libzcio.so.$(SOMAJOR) $(DESTDIR)$(PREFIX)/lib/libzcio.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
		lib/zcio.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/zcio.pc
	$(if $(filter $(BUILD)/zcp,$(PROGRAMS)),install -D -m 755 $(BUILD)/zcp $(DESTDIR)$(PREFIX)/bin/zcp)
	scripts/install-docs.sh install $(DESTDIR)$(PREFIX)

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/zcio.h $(DESTDIR)$(PREFIX)/lib/libzcio.* \
	      $(DESTDIR)$(PREFIX)/lib/pkgconfig/zcio.pc $(DESTDIR)$(PREFIX)/bin/zcp
	scripts/install-docs.sh uninstall $(DESTDIR)$(PREFIX)

# ---- housekeeping ----------------------------------------------------------
C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

format:
	clang-format -i $(C_FILES)

format-check:
	clang-format --dry-run -Werror $(C_FILES)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
