// Obelysk CUDA emulator: one shared library that stands in for both
// libcuda.so.1 (a subset of the driver API) and libnvrtc.so (a subset of
// NVRTC), with the real C signatures and numeric error codes, so the Swift
// CUDA backend and its kernel sources run unchanged on a machine with no GPU
// (point OBELYSK_LIBCUDA and OBELYSK_NVRTC at this library).
//
// How it works:
//  * "NVRTC" compiles the CUDA C++ source as host C++ into a shared library,
//    with emu_device.h force-included, plus one generated entry wrapper per
//    `__global__` kernel. The "PTX" it hands back is a tiny text naming that .so.
//  * cuModuleLoadData dlopens the .so; cuModuleGetFunction dlsyms the wrapper.
//  * cuLaunchKernel spreads the blocks over OS worker threads; the threads of
//    a block run on one worker as fibers that switch at __syncthreads (see
//    "Kernel launch" below).
//  * Device memory is host memory; a CUdeviceptr is the host address.
//    Streams and events exist only as handles; everything is synchronous.
//  * OBELYSK_EMU_DEVICES=N emulates N devices (CUDA_VISIBLE_DEVICES applies).
//    Every allocation, module and stream belongs to the device whose context
//    was current when it was made; with two or more devices, using one from
//    another device's context is an error (see "Devices" below).

#include "emu_abi.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cerrno>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

extern char **environ;

#ifndef OBELYSK_EMU_DIR
#define OBELYSK_EMU_DIR ""
#endif

#define EMU_EXPORT extern "C" __attribute__((visibility("default")))

// ---------------------------------------------------------------------------
// Types and error codes, matching cuda.h / nvrtc.h
// ---------------------------------------------------------------------------

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
typedef int CUdevice;
typedef struct EmuContext *CUcontext;
typedef struct EmuModule *CUmodule;
typedef struct EmuFunction *CUfunction;
typedef struct EmuStream *CUstream;
typedef struct EmuEvent *CUevent;
typedef struct EmuProgram *nvrtcProgram;
typedef int nvrtcResult;
typedef struct {
    char bytes[16];
} CUuuid;

enum : int {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_NO_DEVICE = 100,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_IMAGE = 200,
    CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_NOT_READY = 600,
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_LAUNCH_FAILED = 719,
    CUDA_ERROR_NOT_SUPPORTED = 801,
    CUDA_ERROR_UNKNOWN = 999,
};

enum : int {
    NVRTC_SUCCESS = 0,
    NVRTC_ERROR_OUT_OF_MEMORY = 1,
    NVRTC_ERROR_PROGRAM_CREATION_FAILURE = 2,
    NVRTC_ERROR_INVALID_INPUT = 3,
    NVRTC_ERROR_INVALID_PROGRAM = 4,
    NVRTC_ERROR_INVALID_OPTION = 5,
    NVRTC_ERROR_COMPILATION = 6,
    NVRTC_ERROR_BUILTIN_OPERATION_FAILURE = 7,
};

static const char kModuleMagic[] = "//OBELYSK-EMU-MODULE\n";

// Handles carry a magic word so that a stale or foreign handle is reported as
// CUDA_ERROR_INVALID_HANDLE instead of crashing (best effort: it reads freed
// memory in the use-after-destroy case).
// `device` fields hold the emulated (physical) device index, not the visible
// ordinal: CUDA_VISIBLE_DEVICES renumbers ordinals, never the devices.
struct EmuContext {
    uint32_t magic = 0x43545831;
    int device = 0;
};
struct EmuStream {
    uint32_t magic = 0x53545231;
    int device = 0;
};
struct EmuEvent {
    uint32_t magic = 0x45564e31;
    int device = 0;
    bool recorded = false;
    std::chrono::steady_clock::time_point stamp;
};
struct EmuFunction {
    uint32_t magic = 0x464e4331;
    int device = 0; // the module's
    obelysk_emu_entry_fn entry = nullptr;
    obelysk_emu_pointers_fn pointers = nullptr;
    bool uses_syncthreads = true;
    std::string name;
};
struct EmuModule {
    uint32_t magic = 0x4d4f4431;
    int device = 0; // the device of the context current at cuModuleLoadData
    void *handle = nullptr;
    bool uses_syncthreads = true;
    std::mutex mutex;
    std::map<std::string, EmuFunction> functions; // node-based: stable addresses
};
struct EmuProgram {
    uint32_t magic = 0x50524731;
    std::string source, name;
    std::vector<std::pair<std::string, std::string>> headers; // include name, contents
    std::string log;
    std::string blob; // the fake PTX/CUBIN, NUL included
};

template <class T>
static bool valid(const T *h, uint32_t magic) {
    return h != nullptr && h->magic == magic;
}

// ---------------------------------------------------------------------------
// Driver state
// ---------------------------------------------------------------------------

static std::atomic<bool> g_initialized{false};
static thread_local CUcontext t_current_context = nullptr;

// ---------------------------------------------------------------------------
// Devices
// ---------------------------------------------------------------------------
//
// OBELYSK_EMU_DEVICES=N (1..kMaxDevices, default 1) emulated devices, read at
// the first cuInit. Anything else ("0", "abc", "3x", "65") makes cuInit fail
// with CUDA_ERROR_INVALID_VALUE and a message on stderr: a typo must not
// quietly test a different machine shape.
//
// CUDA_VISIBLE_DEVICES, when set, is read at the first cuInit as the driver
// does for integer lists: comma-separated indices, each parsed like strtoul
// (leading blanks skipped, digits up to the first non-digit); the list ends at
// the first entry that is not an index of an existing device (so "0,9,1" shows
// device 0 only and "-1" or "" shows none); a repeated index shows none. GPU
// UUIDs are not supported (such an entry ends the list). The visible devices
// are renumbered 0, 1, ... in list order. With none visible, cuInit returns
// CUDA_ERROR_NO_DEVICE and every later call CUDA_ERROR_NOT_INITIALIZED, as
// the real driver does.
//
// Device k is named "Obelysk CPU emulator" (k = 0) or "Obelysk CPU emulator k",
// its UUID is "OBELYSK-CPU-EMU" followed by the byte '1' + k, and it has its
// own primary context. Allocations, modules, streams and events belong to the
// device of the context current when they were made. With two or more devices,
// the emulator refuses what would be a bug on a multi-GPU machine:
//  * no current context for an operation that needs one: CUDA_ERROR_INVALID_CONTEXT;
//  * a copy or memset touching another device's allocation:
//    CUDA_ERROR_INVALID_VALUE (stricter than the driver, which with unified
//    addressing may carry out such a copy, ordered on the wrong device);
//  * a launch of a function, or a use of a stream or event, of another
//    device's context: CUDA_ERROR_INVALID_HANDLE (as the driver);
//  * a launch whose pointer-typed parameter points into another device's
//    allocation: CUDA_ERROR_ILLEGAL_ADDRESS (what the driver reports when the
//    kernel faults on memory it cannot reach; here it is caught before the
//    kernel runs and is not sticky). Pointers outside every allocation are
//    left alone: kernels may be given offsets.
// With one device none of this applies and nothing is checked beyond what
// the single-device emulator always checked.

static constexpr int kMaxDevices = 64;
static int g_device_count = 1;             // emulated devices, visible or not
static std::vector<int> g_visible;         // visible ordinal -> device index
static EmuContext g_primary_contexts[kMaxDevices];

static bool multi_device() { return g_device_count > 1; }

// The device index of a visible ordinal, or -1.
static int device_index(CUdevice ordinal) {
    return ordinal >= 0 && (size_t)ordinal < g_visible.size() ? g_visible[(size_t)ordinal] : -1;
}

// The device of the current context, or -1 when none is current.
static int current_device() { return t_current_context ? t_current_context->device : -1; }

// The device that what is made now belongs to. With one device, work without
// a current context is allowed as it always was.
static CUresult owner_for_new(int *device) {
    int current = current_device();
    if (current < 0) {
        if (multi_device()) return CUDA_ERROR_INVALID_CONTEXT;
        current = 0;
    }
    *device = current;
    return CUDA_SUCCESS;
}

// Is something of `owner`'s usable from the current context?
static CUresult usable_here(int owner, CUresult wrong_device) {
    if (!multi_device()) return CUDA_SUCCESS;
    int current = current_device();
    if (current < 0) return CUDA_ERROR_INVALID_CONTEXT;
    return owner == current ? CUDA_SUCCESS : wrong_device;
}

// Live device allocations (start -> size and owner), so memcpy/memset can
// reject pointers outside any allocation or on another device: cheap and
// catches host-glue bugs early.
struct Allocation {
    size_t size;
    int device;
};
static std::mutex g_alloc_mutex;
static std::map<uintptr_t, Allocation> g_allocations;

// CUDA_SUCCESS when [p, p+n) lies inside one live allocation that the current
// context may touch; CUDA_ERROR_INVALID_VALUE otherwise (or
// CUDA_ERROR_INVALID_CONTEXT with several devices and none current).
static CUresult device_range_ok(CUdeviceptr p, size_t n) {
    int owner;
    {
        std::lock_guard<std::mutex> lock(g_alloc_mutex);
        auto it = g_allocations.upper_bound((uintptr_t)p);
        if (it == g_allocations.begin()) return CUDA_ERROR_INVALID_VALUE;
        --it;
        uintptr_t start = it->first, end = it->first + it->second.size;
        if (!((uintptr_t)p >= start && (uintptr_t)p <= end && n <= end - (uintptr_t)p)) return CUDA_ERROR_INVALID_VALUE;
        owner = it->second.device;
    }
    return usable_here(owner, CUDA_ERROR_INVALID_VALUE);
}

// The device whose allocation contains p (start <= p < end), or -1.
static int allocation_device_locked(uintptr_t p) {
    auto it = g_allocations.upper_bound(p);
    if (it == g_allocations.begin()) return -1;
    --it;
    return p < it->first + it->second.size ? it->second.device : -1;
}

static size_t physical_memory() {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
}

static size_t available_memory() {
    long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
}

#define REQUIRE_INIT()                                          \
    do {                                                        \
        if (!g_initialized.load()) return CUDA_ERROR_NOT_INITIALIZED; \
    } while (0)

// ---------------------------------------------------------------------------
// Initialisation, device queries, contexts
// ---------------------------------------------------------------------------

// OBELYSK_EMU_DEVICES: 1..kMaxDevices; false for anything else.
static bool parse_device_count(const char *text, int *count) {
    if (!text) {
        *count = 1;
        return true;
    }
    char *end = nullptr;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || n < 1 || n > kMaxDevices) return false;
    *count = (int)n;
    return true;
}

// CUDA_VISIBLE_DEVICES as described above; unset: every device in order.
static std::vector<int> parse_visible(const char *text, int devices) {
    std::vector<int> visible;
    if (!text) {
        for (int d = 0; d < devices; ++d) visible.push_back(d);
        return visible;
    }
    std::string list = text;
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t comma = list.find(',', pos);
        std::string entry = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        size_t i = 0;
        while (i < entry.size() && isspace((unsigned char)entry[i])) ++i;
        size_t digits = i;
        while (digits < entry.size() && isdigit((unsigned char)entry[digits])) ++digits;
        if (digits == i || digits - i > 9) break; // not an index (empty, "-1", "GPU-…")
        int index = atoi(entry.substr(i, digits - i).c_str());
        if (index >= devices) break;
        if (std::find(visible.begin(), visible.end(), index) != visible.end()) return {};
        visible.push_back(index);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return visible;
}

static std::once_flag g_init_once;
static CUresult g_init_result = CUDA_SUCCESS;

EMU_EXPORT CUresult cuInit(unsigned int flags) {
    if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
    // Like the driver, the environment is read once, at the first cuInit.
    std::call_once(g_init_once, [] {
        const char *requested = getenv("OBELYSK_EMU_DEVICES");
        int count = 1;
        if (!parse_device_count(requested, &count)) {
            fprintf(stderr, "obelysk-cuda-emulator: OBELYSK_EMU_DEVICES must be a whole number from 1 to %d, not '%s'\n",
                    kMaxDevices, requested);
            g_init_result = CUDA_ERROR_INVALID_VALUE;
            return;
        }
        g_device_count = count;
        for (int d = 0; d < kMaxDevices; ++d) g_primary_contexts[d].device = d;
        g_visible = parse_visible(getenv("CUDA_VISIBLE_DEVICES"), count);
        if (g_visible.empty()) {
            g_init_result = CUDA_ERROR_NO_DEVICE;
            return;
        }
        g_initialized = true;
    });
    return g_init_result;
}

EMU_EXPORT CUresult cuDriverGetVersion(int *version) {
    if (!version) return CUDA_ERROR_INVALID_VALUE;
    *version = 13000;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuDeviceGetCount(int *count) {
    REQUIRE_INIT();
    if (!count) return CUDA_ERROR_INVALID_VALUE;
    *count = (int)g_visible.size();
    return CUDA_SUCCESS;
}

// A CUdevice is the visible ordinal, as the driver's are on a plain machine.
EMU_EXPORT CUresult cuDeviceGet(CUdevice *device, int ordinal) {
    REQUIRE_INIT();
    if (!device) return CUDA_ERROR_INVALID_VALUE;
    if (device_index(ordinal) < 0) return CUDA_ERROR_INVALID_DEVICE;
    *device = ordinal;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuDeviceGetName(char *name, int len, CUdevice dev) {
    REQUIRE_INIT();
    if (!name || len <= 0) return CUDA_ERROR_INVALID_VALUE;
    int index = device_index(dev);
    if (index < 0) return CUDA_ERROR_INVALID_DEVICE;
    // Device 0 keeps the single-device emulator's name.
    if (index == 0) snprintf(name, (size_t)len, "%s", "Obelysk CPU emulator");
    else snprintf(name, (size_t)len, "Obelysk CPU emulator %d", index);
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuDeviceGetAttribute(int *value, int attribute, CUdevice dev) {
    REQUIRE_INIT();
    if (!value) return CUDA_ERROR_INVALID_VALUE;
    if (device_index(dev) < 0) return CUDA_ERROR_INVALID_DEVICE;
    // Shaped like an sm_90 part so host code takes its normal paths.
    switch (attribute) {
    case 1: *value = 1024; break;    // MAX_THREADS_PER_BLOCK
    case 8: *value = 49152; break;   // MAX_SHARED_MEMORY_PER_BLOCK
    case 10: *value = 32; break;     // WARP_SIZE
    case 16: *value = 4; break;      // MULTIPROCESSOR_COUNT
    case 39: *value = 2048; break;   // MAX_THREADS_PER_MULTIPROCESSOR
    case 75: *value = 9; break;      // COMPUTE_CAPABILITY_MAJOR
    case 76: *value = 0; break;      // COMPUTE_CAPABILITY_MINOR
    case 97: *value = 232448; break; // MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
    default: *value = 0; break;
    }
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev) {
    REQUIRE_INIT();
    if (!bytes) return CUDA_ERROR_INVALID_VALUE;
    if (device_index(dev) < 0) return CUDA_ERROR_INVALID_DEVICE;
    *bytes = physical_memory();
    return CUDA_SUCCESS;
}

static CUresult device_uuid(CUuuid *uuid, CUdevice dev) {
    REQUIRE_INIT();
    if (!uuid) return CUDA_ERROR_INVALID_VALUE;
    int index = device_index(dev);
    if (index < 0) return CUDA_ERROR_INVALID_DEVICE;
    // Device 0 keeps the single-device emulator's UUID ("...EMU1").
    static const char fixed[16] = {'O', 'B', 'E', 'L', 'Y', 'S', 'K', '-', 'C', 'P', 'U', '-', 'E', 'M', 'U', '1'};
    memcpy(uuid->bytes, fixed, 16);
    uuid->bytes[15] = (char)('1' + index);
    return CUDA_SUCCESS;
}
EMU_EXPORT CUresult cuDeviceGetUuid(CUuuid *uuid, CUdevice dev) { return device_uuid(uuid, dev); }
EMU_EXPORT CUresult cuDeviceGetUuid_v2(CUuuid *uuid, CUdevice dev) { return device_uuid(uuid, dev); }

EMU_EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *ctx, CUdevice dev) {
    REQUIRE_INIT();
    if (!ctx) return CUDA_ERROR_INVALID_VALUE;
    int index = device_index(dev);
    if (index < 0) return CUDA_ERROR_INVALID_DEVICE;
    *ctx = &g_primary_contexts[index];
    return CUDA_SUCCESS;
}

static CUresult primary_release(CUdevice dev) {
    REQUIRE_INIT();
    return device_index(dev) >= 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}
EMU_EXPORT CUresult cuDevicePrimaryCtxRelease(CUdevice dev) { return primary_release(dev); }
EMU_EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice dev) { return primary_release(dev); }

EMU_EXPORT CUresult cuCtxSetCurrent(CUcontext ctx) {
    REQUIRE_INIT();
    if (ctx && !valid(ctx, 0x43545831)) return CUDA_ERROR_INVALID_CONTEXT;
    t_current_context = ctx;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuCtxGetCurrent(CUcontext *ctx) {
    REQUIRE_INIT();
    if (!ctx) return CUDA_ERROR_INVALID_VALUE;
    *ctx = t_current_context;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuCtxSynchronize(void) {
    REQUIRE_INIT();
    if (multi_device() && current_device() < 0) return CUDA_ERROR_INVALID_CONTEXT;
    return CUDA_SUCCESS; // every operation already completed synchronously
}

// ---------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------

EMU_EXPORT CUresult cuMemGetInfo_v2(size_t *free_bytes, size_t *total_bytes) {
    REQUIRE_INIT();
    if (!free_bytes || !total_bytes) return CUDA_ERROR_INVALID_VALUE;
    *free_bytes = available_memory();
    *total_bytes = physical_memory();
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytes) {
    REQUIRE_INIT();
    if (!dptr || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    int owner;
    if (CUresult r = owner_for_new(&owner); r != CUDA_SUCCESS) return r;
    // aligned_alloc wants a multiple of the alignment; 256 matches cudaMalloc.
    size_t rounded = (bytes + 255) & ~(size_t)255;
    if (rounded < bytes) return CUDA_ERROR_OUT_OF_MEMORY;
    void *p = aligned_alloc(256, rounded);
    if (!p) return CUDA_ERROR_OUT_OF_MEMORY;
    {
        std::lock_guard<std::mutex> lock(g_alloc_mutex);
        g_allocations[(uintptr_t)p] = Allocation{bytes, owner};
    }
    *dptr = (CUdeviceptr)(uintptr_t)p;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuMemFree_v2(CUdeviceptr dptr) {
    REQUIRE_INIT();
    if (dptr == 0) return CUDA_SUCCESS;
    {
        std::lock_guard<std::mutex> lock(g_alloc_mutex);
        if (g_allocations.erase((uintptr_t)dptr) == 0) return CUDA_ERROR_INVALID_VALUE;
    }
    free((void *)(uintptr_t)dptr);
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuMemAllocHost_v2(void **pp, size_t bytes) {
    REQUIRE_INIT();
    if (!pp || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    size_t rounded = (bytes + 255) & ~(size_t)255;
    void *p = aligned_alloc(256, rounded);
    if (!p) return CUDA_ERROR_OUT_OF_MEMORY;
    *pp = p;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuMemFreeHost(void *p) {
    REQUIRE_INIT();
    free(p);
    return CUDA_SUCCESS;
}

static CUresult copy(void *dst, const void *src, size_t n) {
    if (n == 0) return CUDA_SUCCESS;
    if (!dst || !src) return CUDA_ERROR_INVALID_VALUE;
    memmove(dst, src, n);
    return CUDA_SUCCESS;
}

// The null stream (0) is always valid (it is the current context's); a
// stream of another device's context is not (CUDA_ERROR_INVALID_HANDLE).
static bool stream_ok(CUstream s) { return s == nullptr || valid(s, 0x53545231); }
static CUresult stream_usable(CUstream s) {
    if (!stream_ok(s)) return CUDA_ERROR_INVALID_HANDLE;
    return s ? usable_here(s->device, CUDA_ERROR_INVALID_HANDLE) : CUDA_SUCCESS;
}

static CUresult htod(CUdeviceptr dst, const void *src, size_t n, CUstream s = nullptr) {
    REQUIRE_INIT();
    if (CUresult r = stream_usable(s); r != CUDA_SUCCESS) return r;
    if (n) {
        if (CUresult r = device_range_ok(dst, n); r != CUDA_SUCCESS) return r;
    }
    return copy((void *)(uintptr_t)dst, src, n);
}
static CUresult dtoh(void *dst, CUdeviceptr src, size_t n, CUstream s = nullptr) {
    REQUIRE_INIT();
    if (CUresult r = stream_usable(s); r != CUDA_SUCCESS) return r;
    if (n) {
        if (CUresult r = device_range_ok(src, n); r != CUDA_SUCCESS) return r;
    }
    return copy(dst, (const void *)(uintptr_t)src, n);
}
static CUresult dtod(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s = nullptr) {
    REQUIRE_INIT();
    if (CUresult r = stream_usable(s); r != CUDA_SUCCESS) return r;
    if (n) {
        if (CUresult r = device_range_ok(dst, n); r != CUDA_SUCCESS) return r;
        if (CUresult r = device_range_ok(src, n); r != CUDA_SUCCESS) return r;
    }
    return copy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n);
}

EMU_EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t n) { return htod(dst, src, n); }
EMU_EXPORT CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t n) { return dtoh(dst, src, n); }
EMU_EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) { return dtod(dst, src, n); }
// "Async" copies complete before returning; the stream only has to belong to
// the current context.
EMU_EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n, CUstream s) { return htod(dst, src, n, s); }
EMU_EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, CUstream s) { return dtoh(dst, src, n, s); }
EMU_EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s) { return dtod(dst, src, n, s); }

static CUresult memset8(CUdeviceptr dst, unsigned char v, size_t count, CUstream s = nullptr) {
    REQUIRE_INIT();
    if (CUresult r = stream_usable(s); r != CUDA_SUCCESS) return r;
    if (count == 0) return CUDA_SUCCESS;
    if (CUresult r = device_range_ok(dst, count); r != CUDA_SUCCESS) return r;
    memset((void *)(uintptr_t)dst, v, count);
    return CUDA_SUCCESS;
}
static CUresult memset32(CUdeviceptr dst, unsigned int v, size_t count, CUstream s = nullptr) {
    REQUIRE_INIT();
    if (CUresult r = stream_usable(s); r != CUDA_SUCCESS) return r;
    if (count == 0) return CUDA_SUCCESS;
    if (dst % 4 != 0 || count > SIZE_MAX / 4) return CUDA_ERROR_INVALID_VALUE;
    if (CUresult r = device_range_ok(dst, count * 4); r != CUDA_SUCCESS) return r;
    std::fill_n((uint32_t *)(uintptr_t)dst, count, (uint32_t)v);
    return CUDA_SUCCESS;
}
EMU_EXPORT CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char v, size_t n) { return memset8(dst, v, n); }
EMU_EXPORT CUresult cuMemsetD32_v2(CUdeviceptr dst, unsigned int v, size_t n) { return memset32(dst, v, n); }
EMU_EXPORT CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char v, size_t n, CUstream s) { return memset8(dst, v, n, s); }
EMU_EXPORT CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned int v, size_t n, CUstream s) { return memset32(dst, v, n, s); }

// ---------------------------------------------------------------------------
// Streams and events (handles only: all work is synchronous)
// ---------------------------------------------------------------------------

EMU_EXPORT CUresult cuStreamCreate(CUstream *stream, unsigned int) {
    REQUIRE_INIT();
    if (!stream) return CUDA_ERROR_INVALID_VALUE;
    int owner;
    if (CUresult r = owner_for_new(&owner); r != CUDA_SUCCESS) return r;
    auto *s = new EmuStream();
    s->device = owner;
    *stream = s;
    return CUDA_SUCCESS;
}

static CUresult stream_destroy(CUstream s) {
    REQUIRE_INIT();
    if (!valid(s, 0x53545231)) return CUDA_ERROR_INVALID_HANDLE;
    s->magic = 0;
    delete s;
    return CUDA_SUCCESS;
}
EMU_EXPORT CUresult cuStreamDestroy_v2(CUstream s) { return stream_destroy(s); }
EMU_EXPORT CUresult cuStreamDestroy(CUstream s) { return stream_destroy(s); }

EMU_EXPORT CUresult cuStreamSynchronize(CUstream s) {
    REQUIRE_INIT();
    // A named stream can be waited for from any context; the null stream is the current one's.
    if (!stream_ok(s)) return CUDA_ERROR_INVALID_HANDLE;
    if (!s && multi_device() && current_device() < 0) return CUDA_ERROR_INVALID_CONTEXT;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuEventCreate(CUevent *event, unsigned int) {
    REQUIRE_INIT();
    if (!event) return CUDA_ERROR_INVALID_VALUE;
    int owner;
    if (CUresult r = owner_for_new(&owner); r != CUDA_SUCCESS) return r;
    auto *e = new EmuEvent();
    e->device = owner;
    *event = e;
    return CUDA_SUCCESS;
}

static CUresult event_destroy(CUevent e) {
    REQUIRE_INIT();
    if (!valid(e, 0x45564e31)) return CUDA_ERROR_INVALID_HANDLE;
    e->magic = 0;
    delete e;
    return CUDA_SUCCESS;
}
EMU_EXPORT CUresult cuEventDestroy_v2(CUevent e) { return event_destroy(e); }
EMU_EXPORT CUresult cuEventDestroy(CUevent e) { return event_destroy(e); }

EMU_EXPORT CUresult cuEventRecord(CUevent e, CUstream s) {
    REQUIRE_INIT();
    if (!valid(e, 0x45564e31) || !stream_ok(s)) return CUDA_ERROR_INVALID_HANDLE;
    // The event and the stream must both be the current context's.
    if (CUresult r = usable_here(e->device, CUDA_ERROR_INVALID_HANDLE); r != CUDA_SUCCESS) return r;
    if (CUresult r = stream_usable(s); r != CUDA_SUCCESS) return r;
    e->stamp = std::chrono::steady_clock::now();
    e->recorded = true;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuEventSynchronize(CUevent e) {
    REQUIRE_INIT();
    return valid(e, 0x45564e31) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

EMU_EXPORT CUresult cuEventElapsedTime(float *ms, CUevent start, CUevent end) {
    REQUIRE_INIT();
    if (!ms) return CUDA_ERROR_INVALID_VALUE;
    if (!valid(start, 0x45564e31) || !valid(end, 0x45564e31)) return CUDA_ERROR_INVALID_HANDLE;
    if (!start->recorded || !end->recorded) return CUDA_ERROR_INVALID_HANDLE;
    *ms = std::chrono::duration<float, std::milli>(end->stamp - start->stamp).count();
    return CUDA_SUCCESS;
}

// ---------------------------------------------------------------------------
// Modules and functions
// ---------------------------------------------------------------------------

EMU_EXPORT CUresult cuModuleLoadData(CUmodule *module, const void *image) {
    REQUIRE_INIT();
    if (!module || !image) return CUDA_ERROR_INVALID_VALUE;
    int owner;
    if (CUresult r = owner_for_new(&owner); r != CUDA_SUCCESS) return r;
    const char *text = static_cast<const char *>(image);
    size_t magic_len = sizeof(kModuleMagic) - 1;
    // A real PTX or CUBIN image ends up here too: reject it as invalid.
    if (strncmp(text, kModuleMagic, magic_len) != 0) return CUDA_ERROR_INVALID_IMAGE;
    std::string path(text + magic_len);
    if (auto nl = path.find('\n'); nl != std::string::npos) path.resize(nl);
    if (path.empty()) return CUDA_ERROR_INVALID_IMAGE;
    void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        fprintf(stderr, "obelysk-cuda-emulator: dlopen(%s) failed: %s\n", path.c_str(), dlerror());
        return CUDA_ERROR_INVALID_IMAGE;
    }
    auto *abi = static_cast<const int *>(dlsym(handle, "obelysk_emu_abi_version"));
    if (!abi || *abi != OBELYSK_EMU_ABI_VERSION) {
        dlclose(handle);
        return CUDA_ERROR_INVALID_IMAGE;
    }
    auto *m = new EmuModule();
    m->device = owner;
    m->handle = handle;
    if (auto *flag = static_cast<const int *>(dlsym(handle, "obelysk_emu_uses_syncthreads"))) m->uses_syncthreads = *flag != 0;
    *module = m;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuModuleUnload(CUmodule m) {
    REQUIRE_INIT();
    if (!valid(m, 0x4d4f4431)) return CUDA_ERROR_INVALID_HANDLE;
    m->magic = 0;
    for (auto &entry : m->functions) entry.second.magic = 0;
    dlclose(m->handle);
    delete m;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuModuleGetFunction(CUfunction *function, CUmodule m, const char *name) {
    REQUIRE_INIT();
    if (!function || !name) return CUDA_ERROR_INVALID_VALUE;
    if (!valid(m, 0x4d4f4431)) return CUDA_ERROR_INVALID_HANDLE;
    std::lock_guard<std::mutex> lock(m->mutex);
    auto it = m->functions.find(name);
    if (it == m->functions.end()) {
        std::string symbol = std::string("obelysk_emu_entry_") + name;
        void *entry = dlsym(m->handle, symbol.c_str());
        if (!entry) return CUDA_ERROR_NOT_FOUND;
        EmuFunction f;
        f.entry = reinterpret_cast<obelysk_emu_entry_fn>(entry);
        // Present in every module of this ABI version (cuModuleLoadData checked it).
        f.pointers = reinterpret_cast<obelysk_emu_pointers_fn>(
            dlsym(m->handle, (std::string("obelysk_emu_pointers_") + name).c_str()));
        f.device = m->device;
        f.name = name;
        f.uses_syncthreads = m->uses_syncthreads;
        it = m->functions.emplace(name, std::move(f)).first;
    }
    *function = &it->second;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuFuncSetAttribute(CUfunction f, int, int) {
    REQUIRE_INIT();
    return valid(f, 0x464e4331) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

// ---------------------------------------------------------------------------
// Kernel launch
// ---------------------------------------------------------------------------

// Execution model. GPU semantics we must keep: the threads of a block share
// __shared__ memory and meet at __syncthreads; blocks are independent.
//  * Blocks are spread over up to hardware_concurrency OS "workers".
//  * `__shared__` is `static thread_local` (emu_device.h), so each worker has
//    its own copy: exactly one per block in flight.
//  * The threads of a block run on their worker as fibers: each
//    runs until its next __syncthreads (or its end) and yields; one round over
//    all live fibers is one barrier phase. A thread that has returned counts
//    as arrived, as on the hardware. No OS-level contention, and the barrier
//    is real.
//  * Modules whose source never mentions __syncthreads skip the fibers: a
//    block's threads are then plain calls, one after another.

namespace {

struct Fiber;

struct Launch {
    obelysk_emu_entry_fn entry;
    void **params;
    obelysk_emu_dim grid, block;
    unsigned threads;
    size_t dynamic_shared_bytes;
    bool use_fibers;
    unsigned long long total_blocks;
    std::atomic<unsigned long long> next_block{0};
    std::atomic<bool> failed{false};
    std::mutex error_mutex;
    std::string error;

    void fail(const char *what) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (error.empty()) error = what;
        failed = true;
    }
};

// Runs the kernel for one (thread, block); false when it threw.
bool run_one(Launch &L, const obelysk_emu_ctx *ctx) {
    try {
        L.entry(ctx, L.params);
        return true;
    } catch (const std::exception &e) {
        L.fail(e.what());
    } catch (...) {
        L.fail("unknown exception");
    }
    return false;
}

// Fiber stacks are mmap'ed once and recycled across launches.
constexpr size_t kGuard = 4096;
size_t fiber_stack_size() {
    static const size_t size = [] {
        const char *s = getenv("OBELYSK_EMU_STACK_KB");
        size_t kb = s ? strtoull(s, nullptr, 10) : 0;
        return (kb ? kb : 512) * 1024;
    }();
    return size;
}
std::mutex g_stack_mutex;
std::vector<char *> g_stack_pool;

char *take_stack() {
    {
        std::lock_guard<std::mutex> lock(g_stack_mutex);
        if (!g_stack_pool.empty()) {
            char *s = g_stack_pool.back();
            g_stack_pool.pop_back();
            return s;
        }
    }
    void *p = mmap(nullptr, fiber_stack_size() + kGuard, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    mprotect(p, kGuard, PROT_NONE); // overflow faults instead of corrupting a neighbour
    return static_cast<char *>(p);
}
void give_stack(char *s) {
    std::lock_guard<std::mutex> lock(g_stack_mutex);
    g_stack_pool.push_back(s);
}

// --- Context switching ------------------------------------------------------
// glibc's swapcontext makes a sigprocmask system call per switch, which
// dominates barrier-heavy kernels; on x86-64 a dozen instructions that save
// the callee-saved registers and swap stacks do the same job. Elsewhere we
// use ucontext (correct, slower).
struct Fiber;
[[noreturn]] void fiber_body(Fiber *f);

#if defined(__x86_64__) && !defined(OBELYSK_EMU_UCONTEXT)
struct SwitchContext {
    void *sp = nullptr;
};
} // namespace
extern "C" void obelysk_emu_switch(void **save_sp, void *new_sp);
extern "C" void obelysk_emu_fiber_start();
extern "C" __attribute__((visibility("hidden"), used)) [[noreturn]] void obelysk_emu_fiber_entry(Fiber *f) {
    fiber_body(f);
}
// obelysk_emu_switch(save, next): push callee-saved state, save rsp in *save,
// load rsp = next, pop the state saved there, return into that context.
// obelysk_emu_fiber_start: first "return" of a new fiber; its Fiber* is in rbx.
asm(R"(
    .text
    .p2align 4
    .globl obelysk_emu_switch
    .hidden obelysk_emu_switch
    .type obelysk_emu_switch,@function
obelysk_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size obelysk_emu_switch, .-obelysk_emu_switch

    .p2align 4
    .globl obelysk_emu_fiber_start
    .hidden obelysk_emu_fiber_start
    .type obelysk_emu_fiber_start,@function
obelysk_emu_fiber_start:
    movq %rbx, %rdi
    call obelysk_emu_fiber_entry
    ud2
    .size obelysk_emu_fiber_start, .-obelysk_emu_fiber_start
)");
namespace {
void switch_to(SwitchContext &from, SwitchContext &to) { obelysk_emu_switch(&from.sp, to.sp); }

// Lays out a frame that obelysk_emu_switch will "return" through into
// obelysk_emu_fiber_start, with rsp 16-byte aligned there as the ABI wants.
bool init_fiber(SwitchContext &c, char *stack, size_t size, Fiber *f) {
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    uint64_t *sp = reinterpret_cast<uint64_t *>(top - 80);
    uint32_t mxcsr;
    uint16_t fpucw;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    asm volatile("fnstcw %0" : "=m"(fpucw));
    sp[0] = (uint64_t)mxcsr | (uint64_t)fpucw << 32;
    sp[1] = sp[2] = sp[3] = sp[4] = 0;                  // r15 r14 r13 r12
    sp[5] = (uint64_t)(uintptr_t)f;                     // rbx
    sp[6] = 0;                                          // rbp
    sp[7] = (uint64_t)(uintptr_t)&obelysk_emu_fiber_start; // return address
    c.sp = sp;
    return true;
}
#else
struct SwitchContext {
    ucontext_t uc;
};
void switch_to(SwitchContext &from, SwitchContext &to) { swapcontext(&from.uc, &to.uc); }
// makecontext passes ints only: the Fiber* arrives split in two halves.
void ucontext_entry(unsigned lo, unsigned hi) { fiber_body(reinterpret_cast<Fiber *>((uintptr_t)hi << 32 | lo)); }
bool init_fiber(SwitchContext &c, char *stack, size_t size, Fiber *f) {
    if (getcontext(&c.uc) != 0) return false;
    c.uc.uc_stack.ss_sp = stack;
    c.uc.uc_stack.ss_size = size;
    c.uc.uc_link = nullptr;
    uintptr_t self = (uintptr_t)f;
    makecontext(&c.uc, (void (*)())ucontext_entry, 2, (unsigned)(self & 0xffffffffu), (unsigned)(self >> 32));
    return true;
}
#endif

struct Fiber {
    SwitchContext context;
    SwitchContext *scheduler;
    obelysk_emu_ctx ctx;
    Launch *launch;
    char *stack;
    bool done;  // finished the current block
    bool quit;  // leave the loop: the worker is finished
};

// __syncthreads in fiber mode: back to the scheduler until the next round.
void fiber_sync(void *arg) {
    Fiber *f = static_cast<Fiber *>(arg);
    switch_to(f->context, *f->scheduler);
}

[[noreturn]] void fiber_body(Fiber *f) {
    // One fiber serves the same thread index in every block of its worker:
    // it yields with done=true after each block and is resumed for the next.
    while (!f->quit) {
        run_one(*f->launch, &f->ctx);
        f->done = true;
        switch_to(f->context, *f->scheduler);
    }
    // Finished for good: hand control back; this fiber is never resumed.
    for (;;) switch_to(f->context, *f->scheduler);
}

obelysk_emu_dim thread_index(const Launch &L, unsigned tid) {
    return {tid % L.block.x, (tid / L.block.x) % L.block.y, tid / (L.block.x * L.block.y)};
}

obelysk_emu_dim block_index(const Launch &L, unsigned long long b) {
    return {(unsigned)(b % L.grid.x), (unsigned)(b / L.grid.x % L.grid.y),
            (unsigned)(b / ((unsigned long long)L.grid.x * L.grid.y))};
}

void no_sync(void *) {
    // Only reachable if the source scan missed a __syncthreads (e.g. one in a
    // header found through -I): fail loudly rather than silently not wait.
    throw std::runtime_error("__syncthreads() in a module compiled without barrier support");
}

// One worker: takes blocks from the shared counter until none are left.
void run_worker(Launch &L) {
    void *dyn = nullptr;
    if (L.dynamic_shared_bytes > 0) {
        dyn = aligned_alloc(256, (L.dynamic_shared_bytes + 255) & ~(size_t)255);
        if (!dyn) {
            L.fail("out of memory for dynamic shared memory");
            return;
        }
    }
    obelysk_emu_ctx base{};
    base.block_dim = L.block;
    base.grid_dim = L.grid;
    base.dynamic_shared = dyn;
    base.dynamic_shared_bytes = L.dynamic_shared_bytes;

    if (!L.use_fibers) {
        base.syncthreads = &no_sync;
        obelysk_emu_ctx ctx = base;
        for (unsigned long long b; !L.failed && (b = L.next_block++) < L.total_blocks;) {
            ctx.block_idx = block_index(L, b);
            for (unsigned t = 0; t < L.threads && !L.failed; ++t) {
                ctx.thread_idx = thread_index(L, t);
                run_one(L, &ctx);
            }
        }
        free(dyn);
        return;
    }

    SwitchContext scheduler;
    std::vector<Fiber> fibers(L.threads);
    unsigned ready = 0;
    for (unsigned t = 0; t < L.threads; ++t, ++ready) {
        Fiber &f = fibers[t];
        f.stack = take_stack();
        if (!f.stack || !init_fiber(f.context, f.stack + kGuard, fiber_stack_size(), &f)) {
            if (f.stack) give_stack(f.stack);
            L.fail("cannot create fiber for an emulated thread");
            break;
        }
        f.scheduler = &scheduler;
        f.launch = &L;
        f.ctx = base;
        f.ctx.thread_idx = thread_index(L, t);
        f.ctx.syncthreads = &fiber_sync;
        f.ctx.sync_arg = &f;
        f.done = f.quit = false;
    }

    bool fresh = true; // fibers not yet started
    for (unsigned long long b; ready == L.threads && !L.failed && (b = L.next_block++) < L.total_blocks;) {
        obelysk_emu_dim bi = block_index(L, b);
        for (auto &f : fibers) f.ctx.block_idx = bi, f.done = false;
        // Each round runs every live thread up to its next barrier.
        for (unsigned live = L.threads; live > 0 && !L.failed;) {
            live = 0;
            for (auto &f : fibers) {
                if (f.done) continue;
                switch_to(scheduler, f.context);
                if (!f.done) ++live;
            }
        }
        fresh = false;
    }
    // Let started fibers leave their loop so that their stacks unwind. After a
    // failure some may be parked inside a kernel; those are abandoned (their
    // stacks are simply reused: kernels hold no resources that matter here).
    if (!fresh && !L.failed) {
        for (auto &f : fibers) {
            f.quit = true;
            switch_to(scheduler, f.context);
        }
    }
    for (unsigned t = 0; t < ready; ++t) give_stack(fibers[t].stack);
    free(dyn);
}

unsigned worker_count(unsigned long long blocks) {
    static const unsigned configured = [] {
        const char *s = getenv("OBELYSK_EMU_THREADS");
        unsigned n = s ? (unsigned)strtoul(s, nullptr, 10) : 0;
        if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
        return n;
    }();
    return (unsigned)std::min<unsigned long long>(configured, blocks);
}

} // namespace

EMU_EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned int gridX, unsigned int gridY, unsigned int gridZ,
                                   unsigned int blockX, unsigned int blockY, unsigned int blockZ,
                                   unsigned int sharedMemBytes, CUstream stream, void **kernelParams,
                                   void **extra) {
    REQUIRE_INIT();
    if (!f) return CUDA_ERROR_INVALID_VALUE;
    if (!valid(f, 0x464e4331)) return CUDA_ERROR_INVALID_HANDLE;
    // A function is its module's context's: launching it from another is
    // CUDA_ERROR_INVALID_HANDLE on the driver too.
    if (CUresult r = usable_here(f->device, CUDA_ERROR_INVALID_HANDLE); r != CUDA_SUCCESS) return r;
    if (CUresult r = stream_usable(stream); r != CUDA_SUCCESS) return r;
    if (gridX == 0 || gridY == 0 || gridZ == 0 || blockX == 0 || blockY == 0 || blockZ == 0)
        return CUDA_ERROR_INVALID_VALUE;
    if (extra != nullptr) return CUDA_ERROR_NOT_SUPPORTED; // only kernelParams is emulated
    unsigned long long threads = (unsigned long long)blockX * blockY * blockZ;
    if (threads > 1024 || blockZ > 64 || gridY > 65535 || gridZ > 65535) return CUDA_ERROR_INVALID_VALUE;
    if (sharedMemBytes > 232448) return CUDA_ERROR_INVALID_VALUE;
    if (multi_device() && f->pointers && kernelParams) {
        // Pointer-typed parameters that point into another device's memory:
        // the kernel would fault (or read another GPU's memory over peer
        // access nobody enabled). Checked once per launch, before it runs.
        unsigned long long pointers[OBELYSK_EMU_MAX_CHECKED_PARAMS];
        int n = std::min(f->pointers(kernelParams, pointers, OBELYSK_EMU_MAX_CHECKED_PARAMS), OBELYSK_EMU_MAX_CHECKED_PARAMS);
        int here = current_device();
        std::lock_guard<std::mutex> lock(g_alloc_mutex);
        for (int i = 0; i < n; ++i) {
            if (pointers[i] == 0) continue;
            int owner = allocation_device_locked((uintptr_t)pointers[i]);
            if (owner >= 0 && owner != here) {
                fprintf(stderr, "obelysk-cuda-emulator: kernel %s: parameter %d points into memory of device %d, launched on device %d\n",
                        f->name.c_str(), i, owner, here);
                return CUDA_ERROR_ILLEGAL_ADDRESS;
            }
        }
    }

    Launch L;
    L.entry = f->entry;
    L.params = kernelParams;
    L.grid = {gridX, gridY, gridZ};
    L.block = {blockX, blockY, blockZ};
    L.threads = (unsigned)threads;
    L.dynamic_shared_bytes = sharedMemBytes;
    L.use_fibers = f->uses_syncthreads && threads > 1;
    L.total_blocks = (unsigned long long)gridX * gridY * gridZ;

    unsigned workers = worker_count(L.total_blocks);
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < workers; ++w) {
        try {
            pool.emplace_back(run_worker, std::ref(L));
        } catch (...) {
            break; // fewer workers is fine: the counter hands out all blocks
        }
    }
    run_worker(L);
    for (auto &t : pool) t.join();

    if (L.failed) {
        fprintf(stderr, "obelysk-cuda-emulator: kernel %s failed: %s\n", f->name.c_str(), L.error.c_str());
        return CUDA_ERROR_LAUNCH_FAILED;
    }
    return CUDA_SUCCESS;
}

// ---------------------------------------------------------------------------
// Error strings
// ---------------------------------------------------------------------------

struct ErrorText {
    CUresult code;
    const char *name;
    const char *text;
};
static const ErrorText kErrors[] = {
    {CUDA_SUCCESS, "CUDA_SUCCESS", "no error"},
    {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
    {CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {CUDA_ERROR_NOT_READY, "CUDA_ERROR_NOT_READY", "device not ready"},
    {CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS", "an illegal memory access was encountered"},
    {CUDA_ERROR_LAUNCH_FAILED, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
    {CUDA_ERROR_NOT_SUPPORTED, "CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
    {CUDA_ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

static const ErrorText *find_error(CUresult code) {
    for (const auto &e : kErrors)
        if (e.code == code) return &e;
    return nullptr;
}

EMU_EXPORT CUresult cuGetErrorName(CUresult error, const char **str) {
    if (!str) return CUDA_ERROR_INVALID_VALUE;
    const ErrorText *e = find_error(error);
    if (!e) return CUDA_ERROR_INVALID_VALUE;
    *str = e->name;
    return CUDA_SUCCESS;
}

EMU_EXPORT CUresult cuGetErrorString(CUresult error, const char **str) {
    if (!str) return CUDA_ERROR_INVALID_VALUE;
    const ErrorText *e = find_error(error);
    if (!e) return CUDA_ERROR_INVALID_VALUE;
    *str = e->text;
    return CUDA_SUCCESS;
}

// ---------------------------------------------------------------------------
// NVRTC
// ---------------------------------------------------------------------------

EMU_EXPORT nvrtcResult nvrtcVersion(int *major, int *minor) {
    if (!major || !minor) return NVRTC_ERROR_INVALID_INPUT;
    *major = 13;
    *minor = 0;
    return NVRTC_SUCCESS;
}

EMU_EXPORT const char *nvrtcGetErrorString(nvrtcResult r) {
    switch (r) {
    case NVRTC_SUCCESS: return "NVRTC_SUCCESS";
    case NVRTC_ERROR_OUT_OF_MEMORY: return "NVRTC_ERROR_OUT_OF_MEMORY";
    case NVRTC_ERROR_PROGRAM_CREATION_FAILURE: return "NVRTC_ERROR_PROGRAM_CREATION_FAILURE";
    case NVRTC_ERROR_INVALID_INPUT: return "NVRTC_ERROR_INVALID_INPUT";
    case NVRTC_ERROR_INVALID_PROGRAM: return "NVRTC_ERROR_INVALID_PROGRAM";
    case NVRTC_ERROR_INVALID_OPTION: return "NVRTC_ERROR_INVALID_OPTION";
    case NVRTC_ERROR_COMPILATION: return "NVRTC_ERROR_COMPILATION";
    case NVRTC_ERROR_BUILTIN_OPERATION_FAILURE: return "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE";
    default: return "NVRTC_ERROR unknown";
    }
}

static bool program_ok(nvrtcProgram p) { return valid(p, 0x50524731); }

EMU_EXPORT nvrtcResult nvrtcCreateProgram(nvrtcProgram *prog, const char *src, const char *name, int numHeaders,
                                          const char *const *headers, const char *const *includeNames) {
    if (!prog || !src || numHeaders < 0) return NVRTC_ERROR_INVALID_INPUT;
    if (numHeaders > 0 && (!headers || !includeNames)) return NVRTC_ERROR_INVALID_INPUT;
    auto *p = new EmuProgram();
    p->source = src;
    p->name = name ? name : "default_program";
    for (int i = 0; i < numHeaders; ++i) {
        if (!includeNames[i] || !headers[i]) {
            delete p;
            return NVRTC_ERROR_INVALID_INPUT;
        }
        p->headers.emplace_back(includeNames[i], headers[i]);
    }
    *prog = p;
    return NVRTC_SUCCESS;
}

EMU_EXPORT nvrtcResult nvrtcDestroyProgram(nvrtcProgram *prog) {
    if (!prog || !program_ok(*prog)) return NVRTC_ERROR_INVALID_PROGRAM;
    (*prog)->magic = 0;
    delete *prog;
    *prog = nullptr;
    return NVRTC_SUCCESS;
}

namespace {

// FNV-1a, run twice with different bases: a stable 128-bit cache key
// (std::hash is not guaranteed stable across runs).
struct Hasher {
    uint64_t a = 0xcbf29ce484222325ull, b = 0x84222325cbf29ce4ull;
    void add(const std::string &s) {
        for (unsigned char c : s) {
            a = (a ^ c) * 0x100000001b3ull;
            b = (b ^ c) * 0x100000001b3ull + 1;
        }
        // Separator so ("ab","c") and ("a","bc") differ.
        a = (a ^ 0xff) * 0x100000001b3ull;
        b = (b ^ 0xfe) * 0x100000001b3ull;
    }
    std::string hex() const {
        char buf[33];
        snprintf(buf, sizeof buf, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
        return buf;
    }
};

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool write_file(const std::filesystem::path &path, const std::string &text) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary);
    out << text;
    return bool(out);
}

bool executable_on_path(const std::string &name) {
    const char *path = getenv("PATH");
    if (!path) return false;
    std::stringstream ss(path);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        if (dir.empty()) dir = ".";
        if (access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    }
    return false;
}

std::string host_compiler() {
    if (const char *cxx = getenv("OBELYSK_EMU_CXX"); cxx && *cxx) return cxx;
    return executable_on_path("clang++") ? "clang++" : "g++";
}

std::string emu_dir() {
    if (const char *dir = getenv("OBELYSK_EMU_DIR"); dir && *dir) return dir;
    return OBELYSK_EMU_DIR;
}

std::string temp_root() {
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

bool starts_with(const std::string &s, const char *prefix) { return s.rfind(prefix, 0) == 0; }

// NVRTC options that mean something to the host compiler (macros, include
// paths); everything else (-arch, --gpu-architecture, --std, -lineinfo,
// --use_fast_math, ...) is about GPU code generation and is dropped.
std::vector<std::string> translate_options(int n, const char *const *options) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
        if (!options[i]) continue;
        std::string o = options[i];
        std::string next = (i + 1 < n && options[i + 1]) ? options[i + 1] : "";
        if (starts_with(o, "--define-macro=")) {
            out.push_back("-D" + o.substr(15));
        } else if (o == "-D" || o == "--define-macro") {
            if (!next.empty()) out.push_back("-D" + next), ++i;
        } else if (starts_with(o, "-D")) {
            out.push_back(o);
        } else if (starts_with(o, "--undefine-macro=")) {
            out.push_back("-U" + o.substr(17));
        } else if (starts_with(o, "-U") && o.size() > 2) {
            out.push_back(o);
        } else if (starts_with(o, "--include-path=")) {
            out.push_back("-I" + o.substr(15));
        } else if (o == "-I" || o == "--include-path") {
            if (!next.empty()) out.push_back("-I" + next), ++i;
        } else if (starts_with(o, "-I")) {
            out.push_back(o);
        }
    }
    return out;
}

// Kernel names: every `__global__ void NAME(` outside comments and string
// literals, except templates (preceded by `>`), which cannot be wrapped.
std::vector<std::string> find_kernels(const std::string &src) {
    // Blank out comments and literals so that scanning sees only code.
    std::string code = src;
    for (size_t i = 0; i < code.size(); ++i) {
        if (code.compare(i, 2, "//") == 0) {
            while (i < code.size() && code[i] != '\n') code[i++] = ' ';
        } else if (code.compare(i, 2, "/*") == 0) {
            size_t end = code.find("*/", i + 2);
            end = end == std::string::npos ? code.size() : end + 2;
            for (; i < end; ++i)
                if (code[i] != '\n') code[i] = ' ';
            --i;
        } else if (code[i] == '"' || code[i] == '\'') {
            char q = code[i++];
            while (i < code.size() && code[i] != q && code[i] != '\n') {
                if (code[i] == '\\') code[i++] = ' ';
                if (i < code.size()) code[i++] = ' ';
            }
        }
    }
    auto ident = [](char c) { return isalnum((unsigned char)c) || c == '_'; };
    auto skip_ws = [&](size_t i) {
        while (i < code.size() && isspace((unsigned char)code[i])) ++i;
        return i;
    };
    std::vector<std::string> names;
    const std::string kw = "__global__";
    for (size_t pos = code.find(kw); pos != std::string::npos; pos = code.find(kw, pos + kw.size())) {
        if ((pos > 0 && ident(code[pos - 1])) || (pos + kw.size() < code.size() && ident(code[pos + kw.size()])))
            continue;
        size_t before = pos;
        while (before > 0 && isspace((unsigned char)code[before - 1])) --before;
        if (before > 0 && code[before - 1] == '>') continue; // template kernel
        size_t i = skip_ws(pos + kw.size());
        // Accept qualifiers/attributes between __global__ and the name:
        // `void`, `__launch_bounds__(...)`, `__noinline__`, ...
        std::string last;
        while (i < code.size() && ident(code[i])) {
            size_t start = i;
            while (i < code.size() && ident(code[i])) ++i;
            last = code.substr(start, i - start);
            i = skip_ws(i);
            if (i < code.size() && code[i] == '(') {
                if (last == "__launch_bounds__") {
                    int depth = 0;
                    do {
                        if (code[i] == '(') ++depth;
                        if (code[i] == ')') --depth;
                        ++i;
                    } while (i < code.size() && depth > 0);
                    i = skip_ws(i);
                    last.clear();
                    continue;
                }
                break;
            }
        }
        if (i < code.size() && code[i] == '(' && !last.empty() && last != "void" &&
            std::find(names.begin(), names.end(), last) == names.end())
            names.push_back(last);
    }
    return names;
}

// Runs argv with stdout+stderr into log_path. Returns the exit status, or -1.
int spawn_and_wait(const std::vector<std::string> &args, const std::string &log_path) {
    std::vector<char *> argv;
    for (const auto &a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 2, 1);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

EMU_EXPORT nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char *const *options) {
    namespace fs = std::filesystem;
    if (!program_ok(prog)) return NVRTC_ERROR_INVALID_PROGRAM;
    if (numOptions < 0 || (numOptions > 0 && !options)) return NVRTC_ERROR_INVALID_INPUT;
    prog->log.clear();
    prog->blob.clear();

    std::string dir = emu_dir();
    std::string device_header = dir + "/emu_device.h";
    if (dir.empty() || access(device_header.c_str(), R_OK) != 0) {
        prog->log = "obelysk-cuda-emulator: cannot find emu_device.h (set OBELYSK_EMU_DIR); looked in '" + dir + "'\n";
        return NVRTC_ERROR_BUILTIN_OPERATION_FAILURE;
    }
    std::string compiler = host_compiler();
    std::vector<std::string> extra = translate_options(numOptions, options);
    std::vector<std::string> kernels = find_kernels(prog->source);
    // Deliberately crude and conservative (comments count too): a module
    // without barriers runs much faster (see cuLaunchKernel), but a missed
    // barrier would be wrong. Include paths may hide one, so they force it on.
    bool uses_sync = prog->source.find("__syncthreads") != std::string::npos;
    for (const auto &hdr : prog->headers) uses_sync |= hdr.second.find("__syncthreads") != std::string::npos;
    for (const auto &o : extra) uses_sync |= starts_with(o, "-I");

    // Everything that can change the output goes into the cache key,
    // including the device header itself.
    Hasher h;
    h.add("abi" + std::to_string(OBELYSK_EMU_ABI_VERSION));
    h.add(compiler);
    h.add(read_file(device_header));
    h.add(read_file(dir + "/emu_abi.h"));
    h.add(prog->source);
    h.add(prog->name);
    for (const auto &[name, text] : prog->headers) h.add(name), h.add(text);
    for (const auto &o : extra) h.add(o);
    std::error_code ec;
    fs::path cache_dir = fs::path(temp_root()) / "obelysk-emu-cache";
    fs::create_directories(cache_dir, ec);
    fs::path cached = cache_dir / (h.hex() + ".so");

    if (!fs::exists(cached)) {
        std::string tmpl = (fs::path(temp_root()) / "obelysk-emu-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) {
            prog->log = "obelysk-cuda-emulator: mkdtemp failed in " + temp_root() + "\n";
            return NVRTC_ERROR_BUILTIN_OPERATION_FAILURE;
        }
        fs::path work = tmpl;
        for (const auto &[name, text] : prog->headers) write_file(work / name, text);

        // #line keeps compiler messages pointing at the program's own name.
        std::string display = prog->name;
        std::replace(display.begin(), display.end(), '"', '_');
        std::replace(display.begin(), display.end(), '\\', '_');
        std::string unit = "#line 1 \"" + display + "\"\n" + prog->source + "\n\n";
        unit += "// ---- generated by the Obelysk CUDA emulator ----\n";
        unit += "extern \"C\" __attribute__((visibility(\"default\"))) const int obelysk_emu_abi_version = " +
                std::to_string(OBELYSK_EMU_ABI_VERSION) + ";\n";
        unit += "extern \"C\" __attribute__((visibility(\"default\"))) const int obelysk_emu_uses_syncthreads = " +
                std::string(uses_sync ? "1" : "0") + ";\n";
        for (const auto &k : kernels) {
            unit += "extern \"C\" __attribute__((visibility(\"default\"))) void obelysk_emu_entry_" + k +
                    "(const obelysk_emu_ctx *c, void **p) { ::obelysk_emu::enter(c); ::obelysk_emu::call(&" + k +
                    ", p); }\n";
            unit += "extern \"C\" __attribute__((visibility(\"default\"))) int obelysk_emu_pointers_" + k +
                    "(void **p, unsigned long long *out, int cap) { return ::obelysk_emu::pointers(&" + k +
                    ", p, out, cap); }\n";
        }
        fs::path source_path = work / "obelysk_emu_program.cpp";
        fs::path output = work / "module.so";
        fs::path log_path = work / "compile.log";
        write_file(source_path, unit);

        std::vector<std::string> args = {compiler, "-std=c++20", "-O2", "-shared", "-fPIC", "-w",
                                         "-include", device_header, "-I" + work.string(),
                                         "-DOBELYSK_EMULATION=1"};
        args.insert(args.end(), extra.begin(), extra.end());
        args.insert(args.end(), {"-x", "c++", source_path.string(), "-o", output.string()});
        int rc = spawn_and_wait(args, log_path.string());
        prog->log = read_file(log_path.string());
        if (rc == -1 && prog->log.empty()) prog->log = "obelysk-cuda-emulator: could not run " + compiler + "\n";
        if (rc != 0) {
            fs::remove_all(work, ec);
            return NVRTC_ERROR_COMPILATION;
        }
        // rename() is atomic, so concurrent compilers of the same program race
        // harmlessly and a reader never sees a half-written library.
        fs::rename(output, cached, ec);
        if (ec) {
            prog->log += "obelysk-cuda-emulator: cannot move module into cache: " + ec.message() + "\n";
            fs::remove_all(work, ec);
            return NVRTC_ERROR_BUILTIN_OPERATION_FAILURE;
        }
        fs::remove_all(work, ec);
    }

    prog->blob = std::string(kModuleMagic) + fs::absolute(cached).string() + "\n";
    prog->blob.push_back('\0');
    return NVRTC_SUCCESS;
}

EMU_EXPORT nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t *size) {
    if (!program_ok(prog)) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!size) return NVRTC_ERROR_INVALID_INPUT;
    *size = prog->log.size() + 1;
    return NVRTC_SUCCESS;
}

EMU_EXPORT nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char *log) {
    if (!program_ok(prog)) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!log) return NVRTC_ERROR_INVALID_INPUT;
    memcpy(log, prog->log.c_str(), prog->log.size() + 1);
    return NVRTC_SUCCESS;
}

static nvrtcResult blob_size(nvrtcProgram prog, size_t *size) {
    if (!program_ok(prog) || prog->blob.empty()) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!size) return NVRTC_ERROR_INVALID_INPUT;
    *size = prog->blob.size();
    return NVRTC_SUCCESS;
}

static nvrtcResult blob_copy(nvrtcProgram prog, char *out) {
    if (!program_ok(prog) || prog->blob.empty()) return NVRTC_ERROR_INVALID_PROGRAM;
    if (!out) return NVRTC_ERROR_INVALID_INPUT;
    memcpy(out, prog->blob.data(), prog->blob.size());
    return NVRTC_SUCCESS;
}

EMU_EXPORT nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t *size) { return blob_size(prog, size); }
EMU_EXPORT nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char *ptx) { return blob_copy(prog, ptx); }
EMU_EXPORT nvrtcResult nvrtcGetCUBINSize(nvrtcProgram prog, size_t *size) { return blob_size(prog, size); }
EMU_EXPORT nvrtcResult nvrtcGetCUBIN(nvrtcProgram prog, char *cubin) { return blob_copy(prog, cubin); }
