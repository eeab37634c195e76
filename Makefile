# SPDX-License-Identifier: Apache-2.0
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
PKGS     := libbpf libcrypto libnl-3.0 libnl-route-3.0 libcjson libcurl libmicrohttpd

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

# A plain `make` only builds: it never installs packages, and names what is
# missing. `make deps` installs them; `make demo` and `make test` (and the
# other test goals) install what is missing first, so that a fresh machine
# needs nothing else. Nothing below can be evaluated without pkg-config and
# the -dev packages, so this runs while the Makefile is read.
NODEPS_GOALS  := clean distclean format help
INSTALL_GOALS := deps demo test test-unit test-host test-vm bench
ifeq ($(filter $(NODEPS_GOALS),$(MAKECMDGOALS)),)
ifneq ($(PLUGNET_SKIP_DEPS),1)
ifneq ($(filter $(INSTALL_GOALS),$(MAKECMDGOALS)),)
DEPS_STATUS := $(shell bash mk/deps.sh build 1>&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error mk/deps.sh build failed (exit $(DEPS_STATUS)); see its message above)
endif
else
DEPS_MISSING := $(shell bash mk/deps.sh missing build)
ifneq ($(DEPS_MISSING),)
$(error missing packages: $(DEPS_MISSING); run `make deps` (as root) to install them)
endif
endif
endif
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Each binary links only what it uses.
ENGINE_LIBS := $(shell pkg-config --libs libbpf libcrypto 2>/dev/null) -lelf -lz -lpthread
AGENT_LIBS  := $(shell pkg-config --libs libcjson libmicrohttpd libnl-3.0 libnl-route-3.0 2>/dev/null)
CLIENT_LIBS := $(shell pkg-config --libs libcurl libcjson 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
XDP_LIBS    := $(shell pkg-config --libs libxdp 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes
CFLAGS   ?= -O2 -g
# Binaries see the public headers only; the engine's sources also see the
# dispatcher ABI and skeleton (added below for lib/engine).
BASE_CFLAGS := -std=gnu11 $(WARN) -D_GNU_SOURCE -DPLUGNET_VERSION='"$(VERSION)"' \
	-Ilib/include $(PKG_CFLAGS)
ENGINE_CFLAGS := -Ibpf -I$(BUILD)/bpf
TEST_CFLAGS := -Icni -Iagent -Ilib/engine -Ibpf -I$(BUILD)/bpf -Itests/lib -Itests/progs -I$(BUILD)/tests/progs
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TSAN     := -fsanitize=thread -fno-omit-frame-pointer

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	-I/usr/include/$(shell gcc -dumpmachine) -Ibpf -I$(BUILD)/bpf

# --- BPF objects -------------------------------------------------------------
# The dispatcher's stub count. User space reads it back from the object's
# BTF, so nothing else needs to know. The header is regenerated on every
# run but rewritten only when SLOTS changed, so that the object follows.
SLOTS ?= 63
$(BUILD)/bpf/dispatcher_slots.h: FORCE
	$(Q)mkdir -p $(@D) && sh mk/gen-slots.sh $(SLOTS) > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@ && printf '  %-8s %s\n' GEN $@; fi

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/dispatcher.h $(BUILD)/bpf/dispatcher_slots.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -c $< -o $@

# An 8-slot build of the same dispatcher, for the test that the engine
# takes its slot count from the object it loads.
$(BUILD)/tests/progs/dispatcher8/dispatcher_slots.h: mk/gen-slots.sh
	$(Q)mkdir -p $(@D) && sh mk/gen-slots.sh 8 > $@

$(BUILD)/tests/progs/dispatcher8.bpf.o: bpf/dispatcher.bpf.c bpf/dispatcher.h $(BUILD)/tests/progs/dispatcher8/dispatcher_slots.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
		-I/usr/include/$(shell gcc -dumpmachine) -Ibpf -I$(BUILD)/tests/progs/dispatcher8 -c $< -o $@

# The same dispatcher built without its counters, for the test and the
# benchmark that check counting off costs what having no counters costs.
$(BUILD)/tests/progs/dispatcher_nocounters.bpf.o: bpf/dispatcher.bpf.c bpf/dispatcher.h $(BUILD)/bpf/dispatcher_slots.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -DPLUGNET_NO_COUNTERS -c $< -o $@

$(BUILD)/tests/progs/%.bpf.o: tests/progs/%.bpf.c $(wildcard tests/progs/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -Itests/progs -c $< -o $@

# The example catalog programs (docs/examples.md): each NAME.bpf.o with its
# manifest NAME.json beside it, so that $(BUILD)/bpf/examples is a catalog
# directory as it is. This rule's stem is shorter than the one above, so
# make prefers it for these objects.
$(BUILD)/bpf/examples/%.bpf.o: bpf/examples/%.bpf.c $(wildcard bpf/examples/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -Ibpf/examples -c $< -o $@

$(BUILD)/bpf/examples/%.json: bpf/examples/%.json
	$(Q)mkdir -p $(@D) && cp $< $@

EXAMPLE_PROGS := $(patsubst bpf/examples/%.bpf.c,$(BUILD)/bpf/examples/%.bpf.o,$(wildcard bpf/examples/*.bpf.c)) \
	$(patsubst bpf/examples/%,$(BUILD)/bpf/examples/%,$(wildcard bpf/examples/*.json))

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name plugnet_$(subst .,_,$*) > $@

$(BUILD)/tests/progs/%.skel.h: $(BUILD)/tests/progs/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst .,_,$*) > $@

BPF_SKELS := $(BUILD)/bpf/dispatcher.skel.h
TEST_PROGS := $(patsubst tests/progs/%.bpf.c,$(BUILD)/tests/progs/%.bpf.o,$(wildcard tests/progs/*.bpf.c)) \
	$(BUILD)/tests/progs/dispatcher8.bpf.o $(BUILD)/tests/progs/dispatcher_nocounters.bpf.o
TEST_SKELS := $(TEST_PROGS:.bpf.o=.skel.h)

# --- C objects: release, sanitized (ASan+UBSan) and ThreadSanitizer builds -----
include mk/sources.mk

obj = $(patsubst %.c,$(BUILD)/$(1)/%.o,$(2))

$(BUILD)/rel/lib/engine/%.o $(BUILD)/san/lib/engine/%.o $(BUILD)/tsan/lib/engine/%.o: EXTRA_CFLAGS := $(ENGINE_CFLAGS)
$(BUILD)/san/tests/%.o $(BUILD)/tsan/tests/%.o: EXTRA_CFLAGS := $(TEST_CFLAGS)
$(BUILD)/rel/plugin/%.o $(BUILD)/san/plugin/%.o: EXTRA_CFLAGS := -Icni

$(BUILD)/rel/%.o: %.c $(BPF_SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(BASE_CFLAGS) $(EXTRA_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/san/%.o: %.c $(BPF_SKELS) $(TEST_SKELS)
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(BASE_CFLAGS) $(EXTRA_CFLAGS) -O1 -g $(SAN) -MMD -MP -c $< -o $@

$(BUILD)/tsan/%.o: %.c $(BPF_SKELS) $(TEST_SKELS)
	$(call msg,CC-TSAN,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(BASE_CFLAGS) $(EXTRA_CFLAGS) -O1 -g $(TSAN) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- libraries ----------------------------------------------------------------
# lib<name>.a in $(BUILD)/<variant>/lib/ for variant rel, san and tsan.
lib_engine = $(BUILD)/$(1)/lib/libplugnet.a
lib_common = $(BUILD)/$(1)/lib/libplugnet-common.a
lib_client = $(BUILD)/$(1)/lib/libplugnet-client.a
lib_cni    = $(BUILD)/$(1)/lib/libplugnet-cni.a

define LIBS_RULES
$(call lib_engine,$(1)): $(call obj,$(1),$(ENGINE_SRCS))
$(call lib_common,$(1)): $(call obj,$(1),$(COMMON_SRCS))
$(call lib_client,$(1)): $(call obj,$(1),$(CLIENT_SRCS))
$(call lib_cni,$(1)): $(call obj,$(1),$(CNI_SRCS))
endef
$(foreach v,rel san tsan,$(eval $(call LIBS_RULES,$(v))))

$(BUILD)/%.a:
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D) && rm -f $@ && $(AR) rcs $@ $^

# --- binaries -----------------------------------------------------------------
BINS := $(BUILD)/plugnetd $(BUILD)/plugnet $(BUILD)/plugctl

$(BUILD)/plugnetd: $(call obj,rel,$(AGENT_SRCS)) $(call lib_engine,rel) $(call lib_common,rel)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(AGENT_LIBS) $(ENGINE_LIBS)

# The CNI plugin and plugctl never touch BPF themselves: no libbpf. They
# reach plugnetd through its API only.
$(BUILD)/plugnet: $(call obj,rel,$(PLUGIN_SRCS)) $(call lib_cni,rel) $(call lib_client,rel) $(call lib_common,rel)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CLIENT_LIBS)

$(BUILD)/plugctl: $(call obj,rel,$(PLUGCTL_SRCS)) $(call lib_client,rel) $(call lib_common,rel)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(CLIENT_LIBS)

# The client containers run (docs/client.md): static, since an image may
# hold nothing but a busybox, and so with no library beyond libc.
SLOT_CLIENT := $(BUILD)/plugnet-slot
$(SLOT_CLIENT): client/plugnet-slot.c
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CC) -std=gnu11 $(WARN) -D_GNU_SOURCE $(CFLAGS) -static -o $@ $<

LIBS := $(call lib_engine,rel) $(call lib_common,rel) $(call lib_client,rel) $(call lib_cni,rel)

all: $(BINS) $(SLOT_CLIENT) $(LIBS) $(TEST_PROGS) $(EXAMPLE_PROGS)

# --- tests --------------------------------------------------------------------
# Each test file tests/<tier>/test_*.c is one cmocka executable, linked with
# the sanitized libraries. Tests of concurrency (test_*_threads.c) are also
# built with ThreadSanitizer, as test_*_threads.tsan.
TEST_SAN_LIBS := $(call obj,san,$(TEST_LIB_SRCS) $(AGENT_MODULE_SRCS)) $(call lib_engine,san) \
	$(call lib_cni,san) $(call lib_client,san) $(call lib_common,san)
TEST_TSAN_LIBS := $(call obj,tsan,$(TEST_LIB_SRCS) $(AGENT_MODULE_SRCS)) $(call lib_engine,tsan) \
	$(call lib_cni,tsan) $(call lib_client,tsan) $(call lib_common,tsan)
TEST_LDLIBS := $(AGENT_LIBS) $(CLIENT_LIBS) $(ENGINE_LIBS) $(CMOCKA_LIBS) $(XDP_LIBS)
TEST_SRCS := $(wildcard tests/unit/test_*.c tests/host/test_*.c tests/vm/test_*.c tests/bench/bench_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
TSAN_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%.tsan,$(wildcard tests/*/test_*_threads.c))
TOOL_BINS := $(BUILD)/tests/ext-probe $(BUILD)/tests/demo_engine $(BUILD)/tests/crash-loop \
	$(BUILD)/tests/plugnetd-san

$(BUILD)/tests/%.tsan: $(BUILD)/tsan/tests/%.o $(TEST_TSAN_LIBS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(TSAN) -o $@ $^ $(TEST_LDLIBS)

$(BUILD)/tests/%: $(BUILD)/san/tests/%.o $(TEST_SAN_LIBS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(SAN) -o $@ $^ $(TEST_LDLIBS)

# plugctl's unit test links its pure modules (table, renderers, lookups,
# times), which see no libcurl and no socket.
PLUGCTL_PURE_SRCS := plugctl/table.c plugctl/render.c plugctl/render_maps.c plugctl/resolve.c \
	plugctl/since.c
$(BUILD)/san/tests/unit/test_plugctl_render.o: EXTRA_CFLAGS := $(TEST_CFLAGS) -Iplugctl
$(BUILD)/tests/unit/test_plugctl_render: $(call obj,san,$(PLUGCTL_PURE_SRCS))

# The CNI plugin's configuration reader, tested alone (it talks to nobody).
$(BUILD)/san/tests/unit/test_plugin_conf.o: EXTRA_CFLAGS := $(TEST_CFLAGS) -Iplugin
$(BUILD)/tests/unit/test_plugin_conf: $(BUILD)/san/plugin/plugin_conf.o

# The benchmarks' shared helpers (tests/bench/stats.c).
$(BUILD)/tests/bench/bench_dispatcher: $(BUILD)/san/tests/bench/stats.o

# bench_api sets the engine alone against plugnetd, a release build: it links
# the release library, without sanitizers, so that both sides run the same
# engine code. Public headers only, and plugnetd's API through lib/client, as
# the CNI plugin and plugctl call it.
BENCH_API_LIBS := $(shell pkg-config --libs libcurl libcjson 2>/dev/null)
$(BUILD)/tests/bench/bench_api: $(BUILD)/rel/tests/bench/bench_api.o $(BUILD)/rel/tests/bench/stats.o $(call lib_client,rel) $(call lib_engine,rel) $(call lib_common,rel)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) -o $@ $^ $(BENCH_API_LIBS) $(ENGINE_LIBS)

$(BUILD)/tests/demo_engine: $(BUILD)/san/tests/demo_engine.o $(TEST_SAN_LIBS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(SAN) -o $@ $^ $(TEST_LDLIBS)

$(BUILD)/tests/ext-probe: $(BUILD)/san/tests/lib/ext_probe.o $(TEST_SAN_LIBS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(SAN) -o $@ $^ $(TEST_LDLIBS)

# plugnetd itself under ASan and UBSan, for the tests that drive it hardest.
$(BUILD)/tests/plugnetd-san: $(call obj,san,$(AGENT_SRCS)) $(call lib_engine,san) $(call lib_common,san)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(SAN) -o $@ $^ $(AGENT_LIBS) $(ENGINE_LIBS)

$(BUILD)/tests/crash-loop: $(BUILD)/san/tests/lib/crash_loop.o $(TEST_SAN_LIBS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(SAN) -o $@ $^ $(TEST_LDLIBS)

tests-build: all $(TEST_BINS) $(TSAN_BINS) $(TOOL_BINS)

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

# plugnetd in sbin, plugctl and plugnet-slot in bin, the CNI plugin where runtimes look for
# plugins, the systemd unit (its ExecStart follows SBINDIR), the default
# configuration (never over one that exists) and the catalog with the
# example programs, when the build made them. plugnetd reads /etc/plugnet
# whatever the PREFIX: that path is compiled in.
BINDIR         ?= $(PREFIX)/bin
SBINDIR        ?= $(PREFIX)/sbin
CNI_BINDIR     ?= /opt/cni/bin
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
CONFDIR        := /etc/plugnet
# The example catalog as the build left it: each object beside its manifest.
INSTALL_CATALOG = $(wildcard $(BUILD)/bpf/examples/*.bpf.o $(BUILD)/bpf/examples/*.json)

install: $(BINS) $(SLOT_CLIENT)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(CNI_BINDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(CONFDIR)/programs
	install -m 0755 $(BUILD)/plugnetd $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/plugctl $(BUILD)/plugnet-slot $(DESTDIR)$(BINDIR)/
	install -m 0755 $(BUILD)/plugnet $(DESTDIR)$(CNI_BINDIR)/
	sed 's|@SBINDIR@|$(SBINDIR)|g' deploy/plugnetd.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/plugnetd.service.tmp
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/plugnetd.service.tmp
	mv -f $(DESTDIR)$(SYSTEMDUNITDIR)/plugnetd.service.tmp $(DESTDIR)$(SYSTEMDUNITDIR)/plugnetd.service
	@if [ -e $(DESTDIR)$(CONFDIR)/plugnetd.json ]; then \
		echo 'install: keeping the existing $(DESTDIR)$(CONFDIR)/plugnetd.json'; \
	else \
		echo 'install -m 0644 deploy/plugnetd.json $(DESTDIR)$(CONFDIR)/plugnetd.json'; \
		install -m 0644 deploy/plugnetd.json $(DESTDIR)$(CONFDIR)/plugnetd.json; \
	fi
	$(if $(strip $(INSTALL_CATALOG)),install -m 0644 $(INSTALL_CATALOG) $(DESTDIR)$(CONFDIR)/programs/)

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf .cache compile_commands.json

deps:
	@true # installed while the Makefile was read (see INSTALL_GOALS)

help:
	@echo 'targets: all deps test test-unit test-host test-vm bench demo install format clean'

FORCE:
.PHONY: FORCE all deps test test-unit test-host test-vm tests-build bench demo install format clean distclean help compile_commands.json
