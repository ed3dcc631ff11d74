/* ead-compute.h: the process-wide compute settings front ends choose.
 *
 * The shim implements them (torch/ead-torch.cpp); this header lets the
 * command line and the workbench set threads, seed and device without
 * including the shim. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sets libtorch's intra-op thread count; n <= 0 means one per online CPU.
 * Debian's libtorch otherwise starts with a single thread. */
void ead_torch_set_threads (int n);
int ead_torch_get_threads (void);
/* libtorch allocates every activation and gradient afresh, and glibc gives
 * each large block back to the kernel when it is freed, so the next pass
 * faults all its pages in again: on a 2-core virtual machine over a
 * quarter of a training step, and half of a 512-px inference. Serves every
 * block from the heap and keeps what is freed for the next pass, for the
 * whole process: the command line and the workbench call it at start, and
 * a trainer gives the memory back when it is freed. The runtime library
 * leaves its host's allocator alone. */
void ead_torch_keep_freed_memory (void);
gboolean ead_torch_cuda_available (void);
/* TRUE when this CPU computes bf16 natively (AVX512-BF16 or AMX). */
gboolean ead_torch_cpu_has_bf16 (void);
/* Seeds libtorch's global generator (initialisation, dropout). */
void ead_torch_manual_seed (guint64 seed);

G_END_DECLS
