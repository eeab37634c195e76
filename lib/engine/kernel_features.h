/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Probing the running kernel for what the engine uses. XDP links and
 * freplace multi-attach are read from the kernel's own BTF (the structures
 * that carry them), since a failing call cannot tell "unsupported" from
 * "bad argument" there; multi-buffer XDP is probed by loading a program
 * with BPF_F_XDP_HAS_FRAGS, as libxdp does.
 */
#ifndef PLUGNET_LIB_KERNEL_FEATURES_H
#define PLUGNET_LIB_KERNEL_FEATURES_H

#include "plugnet/engine.h"

void pn_features_probe(struct pn_kernel_features *features);

#endif
