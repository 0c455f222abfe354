// Obelysk CUDA emulator: the binary interface between the emulator library
// (emulator.cpp, the fake libcuda/libnvrtc) and the kernel libraries it builds
// at "NVRTC compile" time (which -include emu_device.h, which includes this).
//
// It is plain C on purpose: the emulator and a kernel library may be built by
// different compilers (clang++ vs g++), so nothing here may depend on the C++
// standard library's layout.
#ifndef OBELYSK_EMU_ABI_H
#define OBELYSK_EMU_ABI_H

#define OBELYSK_EMU_ABI_VERSION 3

struct obelysk_emu_dim {
    unsigned int x, y, z;
};

// One per emulated GPU thread, owned by the runner (lives on the worker). The generated entry
// wrapper copies the indices into the kernel library's thread_local
// threadIdx/blockIdx/blockDim/gridDim before calling the kernel.
struct obelysk_emu_ctx {
    struct obelysk_emu_dim thread_idx, block_idx, block_dim, grid_dim;
    // Per-launch buffer of sharedMemBytes (the `extern __shared__` array).
    void *dynamic_shared;
    unsigned long long dynamic_shared_bytes;
    // __syncthreads(): a barrier over the threads of the current block.
    void (*syncthreads)(void *arg);
    void *sync_arg;
};

// Exported by the kernel library once per kernel as obelysk_emu_entry_<name>.
// `params` is cuLaunchKernel's kernelParams: one pointer per argument.
typedef void (*obelysk_emu_entry_fn)(const struct obelysk_emu_ctx *ctx, void **params);

// Exported once per kernel as obelysk_emu_pointers_<name> (since ABI 3): writes
// the value of each of the first `cap` parameters that is pointer-typed into
// out[i] (0 for the others) and returns the number of parameters. The emulator
// uses it to refuse launches given another device's memory.
typedef int (*obelysk_emu_pointers_fn)(void **params, unsigned long long *out, int cap);

// The most parameters whose pointers are checked (later ones are not).
#define OBELYSK_EMU_MAX_CHECKED_PARAMS 64

#endif
