# SPDX-License-Identifier: Apache-2.0
# Source lists, one per product.
#   libplugnet.a         the engine: every kernel call, links libbpf
#   libplugnet-common.a  what several binaries share and that never touches
#                        the kernel (logging, XDP actions); no libbpf
ENGINE_SRCS   := $(sort $(wildcard lib/engine/*.c))
COMMON_SRCS   := $(sort $(wildcard lib/common/*.c))
#   libplugnet-client.a  plugnetd's API over its unix sockets (libcurl, cJSON)
#   libplugnet-cni.a     the CNI protocol: environment, config, results, errors
CLIENT_SRCS   := $(sort $(wildcard lib/client/*.c))
CNI_SRCS      := $(sort $(wildcard cni/*.c))
# plugnetd: main.c plus one module per concern; tests link the modules.
AGENT_SRCS    := $(sort $(wildcard agent/*.c))
AGENT_MODULE_SRCS := $(filter-out agent/main.c,$(AGENT_SRCS))
PLUGIN_SRCS   := $(sort $(wildcard plugin/*.c))
PLUGCTL_SRCS  := $(sort $(wildcard plugctl/*.c))
TEST_LIB_SRCS := tests/lib/testlib.c
