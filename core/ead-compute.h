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
/* For the command line and the workbench, which own their process, first
 * thing, before a second thread allocates: @threads intra-op threads
 * (<= 0: one per online CPU), and freed memory kept for the next pass.
 * libtorch allocates every activation and gradient afresh, and glibc gives
 * each large block back to the kernel when it is freed, so the next pass
 * faults all its pages in again: on a 2-core virtual machine over a
 * quarter of a training step, and half of a 512-px inference. So every
 * block is served from the heap and what is freed kept for the whole
 * process, and every thread allocates from that one heap: a worker
 * thread's own arena maps each block above 64 MiB afresh whatever the
 * setting (512-px activations are such blocks). A trainer gives the memory
 * back when it is freed. The runtime library leaves its host's allocator
 * alone. */
void ead_torch_setup_process (int threads);
gboolean ead_torch_cuda_available (void);
/* TRUE when this CPU computes bf16 natively (AVX512-BF16 or AMX). */
gboolean ead_torch_cpu_has_bf16 (void);
/* Seeds libtorch's global generator (initialisation, dropout). */
void ead_torch_manual_seed (guint64 seed);

G_END_DECLS
