# Source lists, one per product. The agent's modules are linked into the
# test binaries too (sanitized), so tests exercise the same code.
AGENT_MAIN    := agent/main.c
AGENT_SRCS    := agent/log.c agent/bpf_error.c agent/slots.c agent/netns.c agent/bpffs.c agent/prog_cache.c agent/rcu_barrier.c agent/retire.c agent/engine.c
CNI_SRCS      :=
COMMON_SRCS   :=
PLUGIN_SRCS   := plugin/main.c
PLUGCTL_SRCS  := plugctl/main.c
TEST_LIB_SRCS := tests/lib/testlib.c
