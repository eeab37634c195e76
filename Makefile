# plugnet build. `make` builds everything; `make test` runs the three test
# tiers; `make demo` shows plugnet end to end. V=1 shows every command.
.DELETE_ON_ERROR:
.SECONDARY:
.DEFAULT_GOAL := all
.SUFFIXES:

VERSION  := 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
PKGS     := libbpf libnl-3.0 libnl-route-3.0 libcjson libcurl libmicrohttpd

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

# Dependencies come first on a fresh machine: nothing below can even be
# evaluated without pkg-config and the -dev packages. Skipped when the
# caller only wants to clean or format.
NODEPS_GOALS := clean distclean format help
ifeq ($(filter $(NODEPS_GOALS),$(MAKECMDGOALS)),)
ifneq ($(PLUGNET_SKIP_DEPS),1)
DEPS_STATUS := $(shell bash mk/deps.sh build 1>&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error mk/deps.sh build failed (exit $(DEPS_STATUS)); see its message above)
endif
endif
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes
CFLAGS   ?= -O2 -g
BASE_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -DPLUGNET_VERSION='"$(VERSION)"' \
	-I. -Ibpf -I$(BUILD)/bpf $(PKG_CFLAGS)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
XDP_LIBS := $(shell pkg-config --libs libxdp 2>/dev/null)

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	-I/usr/include/$(shell gcc -dumpmachine) -Ibpf -I$(BUILD)/bpf

# --- BPF objects -------------------------------------------------------------
SLOTS ?= 63
$(BUILD)/bpf/dispatcher_slots.h: mk/gen-slots.sh Makefile
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D) && sh mk/gen-slots.sh $(SLOTS) > $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/dispatcher.h $(BUILD)/bpf/dispatcher_slots.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -DPLUGNET_MAX_SLOTS=$(SLOTS) -c $< -o $@

$(BUILD)/tests/progs/%.bpf.o: tests/progs/%.bpf.c $(wildcard tests/progs/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -Itests/progs -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name plugnet_$(subst .,_,$*) > $@

$(BUILD)/tests/progs/%.skel.h: $(BUILD)/tests/progs/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*) > $@

BPF_SKELS := $(BUILD)/bpf/dispatcher.skel.h
TEST_PROGS := $(patsubst tests/progs/%.bpf.c,$(BUILD)/tests/progs/%.bpf.o,$(wildcard tests/progs/*.bpf.c))
TEST_SKELS := $(TEST_PROGS:.bpf.o=.skel.h)

# --- C objects: every source builds twice, plain and sanitized ---------------
include mk/sources.mk

obj = $(patsubst %.c,$(BUILD)/$(1)/%.o,$(2))

$(BUILD)/rel/%.o: %.c $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/san/%.o: %.c $(BPF_SKELS) $(TEST_SKELS)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(BASE_CFLAGS) -O1 -g $(SAN) -Itests/lib -Itests/progs -I$(BUILD)/tests/progs \
		-MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- binaries -----------------------------------------------------------------
BINS := $(BUILD)/plugnetd $(BUILD)/plugnet $(BUILD)/plugctl

$(BUILD)/plugnetd: $(call obj,rel,$(AGENT_MAIN) $(AGENT_SRCS) $(COMMON_SRCS))
$(BUILD)/plugnet: $(call obj,rel,$(PLUGIN_SRCS) $(CNI_SRCS) $(COMMON_SRCS))
$(BUILD)/plugctl: $(call obj,rel,$(PLUGCTL_SRCS) $(COMMON_SRCS))
$(BINS):
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lelf -lz

all: $(BINS) $(TEST_PROGS)

# --- tests --------------------------------------------------------------------
# Each test file tests/<tier>/test_*.c is one cmocka executable, linked with
# the sanitized library objects it may need.
TEST_LIB_OBJS := $(call obj,san,$(AGENT_SRCS) $(CNI_SRCS) $(COMMON_SRCS) $(TEST_LIB_SRCS))
TEST_SRCS := $(wildcard tests/unit/test_*.c tests/host/test_*.c tests/vm/test_*.c tests/bench/bench_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
TOOL_BINS := $(BUILD)/tests/ext-probe $(BUILD)/tests/demo_engine

$(BUILD)/tests/%: $(BUILD)/san/tests/%.o $(TEST_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(SAN) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) $(XDP_LIBS) -lelf -lz

$(BUILD)/tests/demo_engine: $(BUILD)/san/tests/demo_engine.o $(TEST_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(SAN) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) -lelf -lz

$(BUILD)/tests/ext-probe: $(BUILD)/san/tests/lib/ext_probe.o $(TEST_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(SAN) -o $@ $^ $(PKG_LIBS) -lelf -lz

tests-build: all $(TEST_BINS) $(TOOL_BINS)

test: tests-build
	$(Q)tests/run

test-unit test-host test-vm: test-%: tests-build
	$(Q)tests/run --tier $*

bench: tests-build
	$(Q)tests/run --bench

demo: tests-build
	$(Q)tests/demo

# --- housekeeping -------------------------------------------------------------
compile_commands.json:
	$(Q)bear --output $@ -- $(MAKE) -B all tests-build

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/opt/cni/bin
	install -m 0755 $(BUILD)/plugnetd $(BUILD)/plugctl $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 $(BUILD)/plugnet $(DESTDIR)/opt/cni/bin/

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf .cache compile_commands.json

deps:
	$(Q)bash mk/deps.sh build

help:
	@echo 'targets: all deps test test-unit test-host test-vm bench demo install format clean'

.PHONY: all deps test test-unit test-host test-vm tests-build bench demo install format clean distclean help compile_commands.json
