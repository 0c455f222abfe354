// Self-test of the Obelysk CUDA emulator, written the way the Swift backend
// uses the libraries: dlopen + dlsym of every entry point, no linking against
// them. It should pass unchanged against the real libcuda.so.1/libnvrtc.so on
// a GPU machine too, which is a check that the emulator's semantics match.
//
// Usage: selftest LIBCUDA [LIBNVRTC]   (LIBNVRTC defaults to LIBCUDA)
//
// With two or more devices it also checks multi-device use (one context per
// device, work on each, two threads at once, handles of another context
// refused); with one it says SKIP, so it passes on a 1-GPU machine. Checks of
// the emulator's stricter-than-the-driver refusals run only on the emulator.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
typedef int CUdevice;
typedef void *CUcontext, *CUmodule, *CUfunction, *CUstream, *CUevent, *nvrtcProgram;
typedef int nvrtcResult;

static CUresult (*cuInit)(unsigned);
static CUresult (*cuDriverGetVersion)(int *);
static CUresult (*cuDeviceGetCount)(int *);
static CUresult (*cuDeviceGet)(CUdevice *, int);
static CUresult (*cuDeviceGetName)(char *, int, CUdevice);
static CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
static CUresult (*cuDeviceTotalMem_v2)(size_t *, CUdevice);
static CUresult (*cuDeviceGetUuid)(char *, CUdevice);
static CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
static CUresult (*cuCtxSetCurrent)(CUcontext);
static CUresult (*cuCtxSynchronize)(void);
static CUresult (*cuMemAlloc_v2)(CUdeviceptr *, size_t);
static CUresult (*cuMemFree_v2)(CUdeviceptr);
static CUresult (*cuMemcpyHtoD_v2)(CUdeviceptr, const void *, size_t);
static CUresult (*cuMemcpyDtoH_v2)(void *, CUdeviceptr, size_t);
static CUresult (*cuMemcpyDtoD_v2)(CUdeviceptr, CUdeviceptr, size_t);
static CUresult (*cuMemsetD32_v2)(CUdeviceptr, unsigned, size_t);
static CUresult (*cuStreamCreate)(CUstream *, unsigned);
static CUresult (*cuStreamDestroy_v2)(CUstream);
static CUresult (*cuStreamSynchronize)(CUstream);
static CUresult (*cuEventCreate)(CUevent *, unsigned);
static CUresult (*cuEventRecord)(CUevent, CUstream);
static CUresult (*cuEventSynchronize)(CUevent);
static CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
static CUresult (*cuEventDestroy_v2)(CUevent);
static CUresult (*cuModuleLoadData)(CUmodule *, const void *);
static CUresult (*cuModuleUnload)(CUmodule);
static CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
static CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                                  CUstream, void **, void **);
static CUresult (*cuGetErrorName)(CUresult, const char **);
static nvrtcResult (*nvrtcVersion)(int *, int *);
static nvrtcResult (*nvrtcCreateProgram)(nvrtcProgram *, const char *, const char *, int, const char *const *,
                                         const char *const *);
static nvrtcResult (*nvrtcDestroyProgram)(nvrtcProgram *);
static nvrtcResult (*nvrtcCompileProgram)(nvrtcProgram, int, const char *const *);
static nvrtcResult (*nvrtcGetProgramLogSize)(nvrtcProgram, size_t *);
static nvrtcResult (*nvrtcGetProgramLog)(nvrtcProgram, char *);
static nvrtcResult (*nvrtcGetPTXSize)(nvrtcProgram, size_t *);
static nvrtcResult (*nvrtcGetPTX)(nvrtcProgram, char *);

static int failures = 0;

static void report(const char *name, int ok) {
    printf("%s %s\n", ok ? "PASS" : "FAIL", name);
    if (!ok) failures++;
}

#define CHECK(call)                                                                  \
    do {                                                                             \
        int rc_ = (int)(call);                                                       \
        if (rc_ != 0) {                                                              \
            fprintf(stderr, "%s:%d: %s returned %d\n", __FILE__, __LINE__, #call, rc_); \
            exit(2);                                                                 \
        }                                                                            \
    } while (0)

static void *load(void *lib, const char *name) {
    void *p = dlsym(lib, name);
    if (!p) {
        fprintf(stderr, "missing symbol %s\n", name);
        exit(2);
    }
    return p;
}
#define LOAD(lib, name) *(void **)(&name) = load(lib, #name)

// The header comes in memory, like the project's own .cuh files.
static const char *kHeader =
    "#ifndef OBELYSK_EMULATION\n"
    "typedef unsigned int uint32_t;\n"
    "typedef unsigned long long uint64_t;\n"
    "#endif\n"
    "#ifndef OBELYSK_DYNAMIC_SHARED\n"
    "#define OBELYSK_DYNAMIC_SHARED(type, name) extern __shared__ type name[]\n"
    "#endif\n"
    "static __device__ __forceinline__ uint32_t mix(uint32_t a, uint32_t b) {\n"
    "    return a * SELFTEST_SCALE + (b ^ 0x9e3779b9u) + SELFTEST_OFFSET;\n"
    "}\n";

static const char *kSource =
    "#include \"selftest_common.cuh\"\n"
    "\n"
    "/* a comment mentioning __global__ void not_a_kernel( must not confuse the scanner */\n"
    "extern \"C\" __global__ void elementwise2d(const uint32_t* __restrict__ a, const uint32_t* __restrict__ b,\n"
    "                                          uint32_t* out, uint32_t width, uint32_t height) {\n"
    "    uint32_t x = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "    uint32_t y = blockIdx.y * blockDim.y + threadIdx.y;\n"
    "    if (x >= width || y >= height) return;\n"
    "    uint32_t i = y * width + x;\n"
    "    out[i] = mix(a[i], __ldg(&b[i])) + __umulhi(a[i], b[i]) + (uint32_t)__popc(x ^ y) + (__brev(a[i]) >> 20);\n"
    "}\n"
    "\n"
    "extern \"C\" __global__ void __launch_bounds__(256) block_reduce(const uint64_t* in, uint64_t* out, uint32_t n) {\n"
    "    __shared__ uint64_t s[256];\n"
    "    uint32_t t = threadIdx.x;\n"
    "    uint32_t i = blockIdx.x * blockDim.x + t;\n"
    "    s[t] = i < n ? in[i] : 0;\n"
    "    __syncthreads();\n"
    "    for (uint32_t stride = blockDim.x / 2; stride > 0; stride >>= 1) {\n"
    "        if (t < stride) s[t] += s[t + stride];\n"
    "        __syncthreads();\n"
    "    }\n"
    "    if (t == 0) out[blockIdx.x] = s[0];\n"
    "}\n"
    "\n"
    "extern \"C\" __global__ void atomic_min_sum(const uint32_t* in, uint32_t* min_out,\n"
    "                                           unsigned long long* sum, uint32_t n) {\n"
    "    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "    if (i >= n) return;\n"
    "    atomicMin(min_out, in[i]);\n"
    "    atomicAdd(sum, (unsigned long long)in[i]);\n"
    "}\n"
    "\n"
    "extern \"C\" __global__ void dyn_reverse(const uint32_t* in, uint32_t* out) {\n"
    "    OBELYSK_DYNAMIC_SHARED(uint32_t, buf);\n"
    "    uint32_t t = threadIdx.x, base = blockIdx.x * blockDim.x;\n"
    "    buf[t] = in[base + t];\n"
    "    __syncthreads();\n"
    "    out[base + t] = buf[blockDim.x - 1 - t];\n"
    "}\n";

static uint32_t host_brev(uint32_t x) {
    uint32_t r = 0;
    for (int i = 0; i < 32; i++) r |= ((x >> i) & 1u) << (31 - i);
    return r;
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void) {
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

static CUdeviceptr dalloc(size_t bytes) {
    CUdeviceptr p;
    CHECK(cuMemAlloc_v2(&p, bytes));
    return p;
}

// Compiles `src`; returns the nvrtc result and fills `log` (malloc'ed).
static nvrtcResult compile(const char *src, nvrtcProgram *prog, char **log) {
    const char *headers[] = {kHeader};
    const char *names[] = {"selftest_common.cuh"};
    const char *opts[] = {"-DSELFTEST_SCALE=3", "--define-macro=SELFTEST_OFFSET=7", "--gpu-architecture=compute_80",
                          "-lineinfo"};
    CHECK(nvrtcCreateProgram(prog, src, "selftest.cu", 1, headers, names));
    nvrtcResult r = nvrtcCompileProgram(*prog, 4, opts);
    size_t n = 0;
    CHECK(nvrtcGetProgramLogSize(*prog, &n));
    *log = calloc(n + 1, 1);
    CHECK(nvrtcGetProgramLog(*prog, *log));
    return r;
}


// --- CUDA_VISIBLE_DEVICES and OBELYSK_EMU_DEVICES: each in a fresh process --
// The driver reads its environment once, at the first cuInit, so every case
// runs in a forked child that loads the library itself (before the parent has).

#define MAX_PROBED 8
struct Seen {
    int init_rc, count;
    char uuids[MAX_PROBED][16];
    char names[MAX_PROBED][64];
};

// cuInit and the visible devices in a child whose `var` is `value` (NULL: unset).
static int probe(const char *cuda_path, const char *var, const char *value, struct Seen *seen) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        struct Seen s;
        memset(&s, 0, sizeof s);
        if (value) setenv(var, value, 1);
        else unsetenv(var);
        void *lib = dlopen(cuda_path, RTLD_NOW | RTLD_LOCAL);
        if (!lib) _exit(3);
        CUresult (*init)(unsigned) = (CUresult(*)(unsigned))dlsym(lib, "cuInit");
        CUresult (*get_count)(int *) = (CUresult(*)(int *))dlsym(lib, "cuDeviceGetCount");
        CUresult (*get)(CUdevice *, int) = (CUresult(*)(CUdevice *, int))dlsym(lib, "cuDeviceGet");
        CUresult (*get_uuid)(char *, CUdevice) = (CUresult(*)(char *, CUdevice))dlsym(lib, "cuDeviceGetUuid");
        CUresult (*get_name)(char *, int, CUdevice) = (CUresult(*)(char *, int, CUdevice))dlsym(lib, "cuDeviceGetName");
        if (!init || !get_count || !get || !get_uuid || !get_name) _exit(3);
        s.init_rc = init(0);
        if (s.init_rc == 0 && get_count(&s.count) != 0) _exit(4);
        for (int i = 0; i < s.count && i < MAX_PROBED; i++) {
            CUdevice d;
            if (get(&d, i) != 0 || get_uuid(s.uuids[i], d) != 0 || get_name(s.names[i], 63, d) != 0) _exit(5);
        }
        ssize_t w = write(fds[1], &s, sizeof s);
        _exit(w == (ssize_t)sizeof s ? 0 : 6);
    }
    close(fds[1]);
    size_t got = 0;
    while (got < sizeof *seen) {
        ssize_t r = read(fds[0], (char *)seen + got, sizeof *seen - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return got == sizeof *seen && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

// With CUDA_VISIBLE_DEVICES=list, the visible devices are exactly base's
// `expected` (indices into the unrestricted list), in that order. No device
// at all is cuInit == CUDA_ERROR_NO_DEVICE (100), or a count of 0.
static void expect_visible(const char *cuda_path, const struct Seen *base, const char *list, const int *expected, int n) {
    struct Seen s;
    char title[160];
    snprintf(title, sizeof title, "CUDA_VISIBLE_DEVICES=\"%s\" shows %d device(s)%s", list, n, n ? " in list order" : "");
    if (probe(cuda_path, "CUDA_VISIBLE_DEVICES", list, &s) != 0) {
        report(title, 0);
        return;
    }
    int count = s.init_rc == 0 ? s.count : 0;
    int ok = (s.init_rc == 0 || (s.init_rc == 100 && n == 0)) && count == n;
    for (int i = 0; ok && i < n; i++) ok = memcmp(s.uuids[i], base->uuids[expected[i]], 16) == 0;
    if (!ok) fprintf(stderr, "  cuInit %d, %d device(s)\n", s.init_rc, count);
    report(title, ok);
}

static void visibility_checks(const char *cuda_path) {
    struct Seen base;
    if (probe(cuda_path, "CUDA_VISIBLE_DEVICES", NULL, &base) != 0 || base.init_rc != 0) {
        report("a child process sees the devices", 0);
        return;
    }
    int n = base.count;
    int emulator = n > 0 && strncmp(base.names[0], "Obelysk CPU emulator", 20) == 0;
    char beyond[16];
    snprintf(beyond, sizeof beyond, "%d", n);
    int first[] = {0}, second[] = {1}, swapped[] = {1, 0};
    expect_visible(cuda_path, &base, "", NULL, 0);
    expect_visible(cuda_path, &base, "-1", NULL, 0);
    expect_visible(cuda_path, &base, beyond, NULL, 0);   // no such device
    expect_visible(cuda_path, &base, "0", first, 1);
    char upto[32];
    snprintf(upto, sizeof upto, "0,%d,0", n);           // the list ends at the invalid index
    expect_visible(cuda_path, &base, upto, first, 1);
    if (n >= 2) {
        expect_visible(cuda_path, &base, "1", second, 1);
        expect_visible(cuda_path, &base, "1,0", swapped, 2);
        expect_visible(cuda_path, &base, "1,-1,0", second, 1);
        int distinct = 1;
        for (int i = 0; i < n && i < MAX_PROBED; i++)
            for (int j = i + 1; j < n && j < MAX_PROBED; j++) distinct &= memcmp(base.uuids[i], base.uuids[j], 16) != 0;
        report("every device has its own UUID", distinct);
    } else {
        printf("SKIP CUDA_VISIBLE_DEVICES reordering: %d device(s)\n", n);
    }
    if (emulator) {
        struct Seen s;
        if (n >= 2) {
            report("(emulator) CUDA_VISIBLE_DEVICES=\"1\": ordinal 0 is \"Obelysk CPU emulator 1\"",
                   probe(cuda_path, "CUDA_VISIBLE_DEVICES", "1", &s) == 0 && s.init_rc == 0 && s.count == 1 &&
                       strcmp(s.names[0], "Obelysk CPU emulator 1") == 0);
        }
        report("(emulator) CUDA_VISIBLE_DEVICES=\"0,0\" (a repeated index) shows none",
               probe(cuda_path, "CUDA_VISIBLE_DEVICES", "0,0", &s) == 0 && s.init_rc == 100);
        report("(emulator) OBELYSK_EMU_DEVICES=3 shows 3 devices",
               probe(cuda_path, "OBELYSK_EMU_DEVICES", "3", &s) == 0 && s.init_rc == 0 && s.count == 3 &&
                   strcmp(s.names[2], "Obelysk CPU emulator 2") == 0);
        const char *bad[] = {"0", "-2", "two", "2x", "65", ""};
        int refused = 1;
        for (int i = 0; i < 6; i++)
            refused &= probe(cuda_path, "OBELYSK_EMU_DEVICES", bad[i], &s) == 0 && s.init_rc == 1;
        report("(emulator) OBELYSK_EMU_DEVICES of 0, -2, two, 2x, 65 or \"\": cuInit == 1 (CUDA_ERROR_INVALID_VALUE)", refused);
    }
}

// --- several devices in one process ---------------------------------------

struct DeviceWork {
    CUcontext ctx;
    CUfunction reduce;
    int ok;
};

// One thread per device: block reductions over its own data, checked on the host.
static void *reduce_on_device(void *arg) {
    struct DeviceWork *w = arg;
    w->ok = cuCtxSetCurrent(w->ctx) == 0;
    uint32_t blocks = 16, n = blocks * 256;
    uint64_t *in = malloc(n * 8), out[16];
    uint32_t seed = (uint32_t)(uintptr_t)w->ctx | 1u;
    for (uint32_t i = 0; i < n; i++) {
        seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
        in[i] = seed;
    }
    CUdeviceptr din = 0, dout = 0;
    w->ok &= cuMemAlloc_v2(&din, n * 8) == 0 && cuMemAlloc_v2(&dout, blocks * 8) == 0;
    w->ok &= cuMemcpyHtoD_v2(din, in, n * 8) == 0;
    void *params[] = {&din, &dout, &n};
    for (int rep = 0; rep < 10 && w->ok; rep++) {
        w->ok &= cuLaunchKernel(w->reduce, blocks, 1, 1, 256, 1, 1, 0, NULL, params, NULL) == 0;
        w->ok &= cuMemcpyDtoH_v2(out, dout, blocks * 8) == 0;
        for (uint32_t b = 0; b < blocks && w->ok; b++) {
            uint64_t want = 0;
            for (uint32_t i = b * 256; i < (b + 1) * 256; i++) want += in[i];
            w->ok &= out[b] == want;
        }
    }
    cuMemFree_v2(din);
    cuMemFree_v2(dout);
    free(in);
    return NULL;
}

static void multi_device_checks(const char *ptx, int count, int emulator) {
    CUdevice dev[2];
    CUcontext ctx[2];
    CUmodule mod[2];
    CUfunction elem[2], reduce[2];
    char uuid[2][16];
    for (int k = 0; k < 2; k++) {
        CHECK(cuDeviceGet(&dev[k], k));
        CHECK(cuDeviceGetUuid(uuid[k], dev[k]));
        CHECK(cuDevicePrimaryCtxRetain(&ctx[k], dev[k]));
    }
    printf("multi-device checks on devices 0 and 1 of %d\n", count);
    report("(m1) devices 0 and 1: distinct primary contexts and UUIDs", ctx[0] != ctx[1] && memcmp(uuid[0], uuid[1], 16) != 0);

    // The same image loaded on each device; the same kernel on each gives the host's values.
    uint32_t w = 64, h = 64, n = w * h;
    uint32_t *a = malloc(n * 4), *b = malloc(n * 4), *out = malloc(n * 4);
    for (uint32_t i = 0; i < n; i++) a[i] = rnd(), b[i] = rnd();
    CUdeviceptr da[2], db[2], dout[2];
    int ok = 1;
    for (int k = 0; k < 2; k++) {
        CHECK(cuCtxSetCurrent(ctx[k]));
        CHECK(cuModuleLoadData(&mod[k], ptx));
        CHECK(cuModuleGetFunction(&elem[k], mod[k], "elementwise2d"));
        CHECK(cuModuleGetFunction(&reduce[k], mod[k], "block_reduce"));
        da[k] = dalloc(n * 4), db[k] = dalloc(n * 4), dout[k] = dalloc(n * 4);
        CHECK(cuMemcpyHtoD_v2(da[k], a, n * 4));
        CHECK(cuMemcpyHtoD_v2(db[k], b, n * 4));
        CHECK(cuMemsetD32_v2(dout[k], 0, n));
        void *params[] = {&da[k], &db[k], &dout[k], &w, &h};
        CHECK(cuLaunchKernel(elem[k], w / 32, h / 8, 1, 32, 8, 1, 0, NULL, params, NULL));
        CHECK(cuMemcpyDtoH_v2(out, dout[k], n * 4));
        for (uint32_t i = 0; i < n && ok; i++) {
            uint32_t x = i % w, y = i / w;
            ok = out[i] == a[i] * 3u + (b[i] ^ 0x9e3779b9u) + 7u + (uint32_t)(((uint64_t)a[i] * b[i]) >> 32) +
                               (uint32_t)__builtin_popcount(x ^ y) + (host_brev(a[i]) >> 20);
        }
    }
    report("(m2) the same kernel loaded on each device computes the host's values there", ok);

    // Two threads at once, each with its own device's context current.
    struct DeviceWork work[2] = {{ctx[0], reduce[0], 0}, {ctx[1], reduce[1], 0}};
    pthread_t threads[2];
    for (int k = 0; k < 2; k++) pthread_create(&threads[k], NULL, reduce_on_device, &work[k]);
    for (int k = 0; k < 2; k++) pthread_join(threads[k], NULL);
    report("(m3) two threads, one per device, reduce at the same time", work[0].ok && work[1].ok);

    // Handles belong to their context.
    CHECK(cuCtxSetCurrent(ctx[1]));
    {
        void *params[] = {&da[1], &db[1], &dout[1], &w, &h};
        report("(m4) launching device 0's function with device 1 current == 400 (CUDA_ERROR_INVALID_HANDLE)",
               cuLaunchKernel(elem[0], w / 32, h / 8, 1, 32, 8, 1, 0, NULL, params, NULL) == 400);
        CUstream s0;
        CHECK(cuCtxSetCurrent(ctx[0]));
        CHECK(cuStreamCreate(&s0, 0));
        CHECK(cuCtxSetCurrent(ctx[1]));
        report("(m5) launching on a stream of device 0 with device 1 current == 400",
               cuLaunchKernel(elem[1], w / 32, h / 8, 1, 32, 8, 1, 0, s0, params, NULL) == 400);
        CHECK(cuCtxSetCurrent(ctx[0]));
        CHECK(cuStreamDestroy_v2(s0));
    }
    {
        CUdeviceptr p = 0;
        CHECK(cuCtxSetCurrent(NULL));
        report("(m6) cuMemAlloc with no current context == 201 (CUDA_ERROR_INVALID_CONTEXT)", cuMemAlloc_v2(&p, 256) == 201);
    }

    if (emulator) {
        // Stricter than the driver (which may carry these out with unified
        // addressing, or fault later): in this project each is a bug.
        CHECK(cuCtxSetCurrent(ctx[1]));
        uint32_t word = 0;
        report("(emulator) with device 1 current, copies and memsets touching device 0's memory == 1 (CUDA_ERROR_INVALID_VALUE)",
               cuMemcpyHtoD_v2(da[0], a, 4) == 1 && cuMemcpyDtoH_v2(&word, da[0], 4) == 1 &&
                   cuMemsetD32_v2(dout[0], 0, 1) == 1 && cuMemcpyDtoD_v2(da[1], da[0], 4) == 1 &&
                   cuMemcpyDtoD_v2(da[0], da[1], 4) == 1);
        CUdeviceptr inside = da[0] + 64;
        void *foreign[] = {&da[1], &inside, &dout[1], &w, &h};
        int refused = cuLaunchKernel(elem[1], w / 32, h / 8, 1, 32, 8, 1, 0, NULL, foreign, NULL) == 700;
        void *params[] = {&da[1], &db[1], &dout[1], &w, &h};
        int recovered = cuLaunchKernel(elem[1], w / 32, h / 8, 1, 32, 8, 1, 0, NULL, params, NULL) == 0;
        report("(emulator) a launch given a pointer into device 0's memory on device 1 == 700 (CUDA_ERROR_ILLEGAL_ADDRESS), "
               "and the next good launch works",
               refused && recovered);
    }

    for (int k = 0; k < 2; k++) {
        CHECK(cuCtxSetCurrent(ctx[k]));
        CHECK(cuMemFree_v2(da[k]));
        CHECK(cuMemFree_v2(db[k]));
        CHECK(cuMemFree_v2(dout[k]));
        CHECK(cuModuleUnload(mod[k]));
    }
    CHECK(cuCtxSetCurrent(ctx[0]));
    free(a);
    free(b);
    free(out);
}

int main(int argc, char **argv) {
    const char *cuda_path = argc > 1 ? argv[1] : getenv("OBELYSK_LIBCUDA");
    const char *nvrtc_path = argc > 2 ? argv[2] : (getenv("OBELYSK_NVRTC") ? getenv("OBELYSK_NVRTC") : cuda_path);
    if (!cuda_path) {
        fprintf(stderr, "usage: %s LIBCUDA [LIBNVRTC]\n", argv[0]);
        return 2;
    }
    // First, before this process loads the driver: children with other environments.
    visibility_checks(cuda_path);

    void *cuda = dlopen(cuda_path, RTLD_NOW | RTLD_LOCAL);
    void *nvrtc = dlopen(nvrtc_path, RTLD_NOW | RTLD_LOCAL);
    if (!cuda || !nvrtc) {
        fprintf(stderr, "dlopen failed: %s\n", dlerror());
        return 2;
    }
    LOAD(cuda, cuInit); LOAD(cuda, cuDriverGetVersion); LOAD(cuda, cuDeviceGetCount); LOAD(cuda, cuDeviceGet);
    LOAD(cuda, cuDeviceGetName); LOAD(cuda, cuDeviceGetAttribute); LOAD(cuda, cuDeviceTotalMem_v2);
    LOAD(cuda, cuDeviceGetUuid); LOAD(cuda, cuMemcpyDtoD_v2);
    LOAD(cuda, cuDevicePrimaryCtxRetain); LOAD(cuda, cuCtxSetCurrent); LOAD(cuda, cuCtxSynchronize);
    LOAD(cuda, cuMemAlloc_v2); LOAD(cuda, cuMemFree_v2); LOAD(cuda, cuMemcpyHtoD_v2); LOAD(cuda, cuMemcpyDtoH_v2);
    LOAD(cuda, cuMemsetD32_v2); LOAD(cuda, cuStreamCreate); LOAD(cuda, cuStreamDestroy_v2);
    LOAD(cuda, cuStreamSynchronize); LOAD(cuda, cuEventCreate); LOAD(cuda, cuEventRecord);
    LOAD(cuda, cuEventSynchronize); LOAD(cuda, cuEventElapsedTime); LOAD(cuda, cuEventDestroy_v2);
    LOAD(cuda, cuModuleLoadData); LOAD(cuda, cuModuleUnload); LOAD(cuda, cuModuleGetFunction);
    LOAD(cuda, cuLaunchKernel); LOAD(cuda, cuGetErrorName);
    LOAD(nvrtc, nvrtcVersion); LOAD(nvrtc, nvrtcCreateProgram); LOAD(nvrtc, nvrtcDestroyProgram);
    LOAD(nvrtc, nvrtcCompileProgram); LOAD(nvrtc, nvrtcGetProgramLogSize); LOAD(nvrtc, nvrtcGetProgramLog);
    LOAD(nvrtc, nvrtcGetPTXSize); LOAD(nvrtc, nvrtcGetPTX);

    // --- device and context --------------------------------------------------
    CHECK(cuInit(0));
    int version = 0, count = 0, major = 0, minor = 0, cc_major = 0, nvrtc_major = 0, nvrtc_minor = 0;
    CUdevice dev;
    char name[128];
    size_t total = 0;
    CHECK(cuDriverGetVersion(&version));
    CHECK(cuDeviceGetCount(&count));
    CHECK(cuDeviceGet(&dev, 0));
    CHECK(cuDeviceGetName(name, sizeof name, dev));
    CHECK(cuDeviceGetAttribute(&cc_major, 75, dev));
    CHECK(cuDeviceGetAttribute(&minor, 76, dev));
    CHECK(cuDeviceTotalMem_v2(&total, dev));
    CHECK(nvrtcVersion(&nvrtc_major, &nvrtc_minor));
    printf("device: %s, sm_%d%d, %.1f GiB, driver %d, nvrtc %d.%d, %d device(s)\n", name, cc_major, minor,
           total / 1073741824.0, version, nvrtc_major, nvrtc_minor, count);
    (void)major;
    CUcontext ctx;
    CHECK(cuDevicePrimaryCtxRetain(&ctx, dev));
    CHECK(cuCtxSetCurrent(ctx));

    const char *ename = NULL;
    report("cuGetErrorName(1) == CUDA_ERROR_INVALID_VALUE",
           cuGetErrorName(1, &ename) == 0 && ename && strcmp(ename, "CUDA_ERROR_INVALID_VALUE") == 0);

    // --- compile and load ----------------------------------------------------
    nvrtcProgram prog;
    char *log = NULL;
    nvrtcResult cr = compile(kSource, &prog, &log);
    if (cr != 0) fprintf(stderr, "compile log:\n%s\n", log);
    report("nvrtcCompileProgram of the test kernels", cr == 0);
    if (cr != 0) return 1;
    size_t ptx_size = 0;
    CHECK(nvrtcGetPTXSize(prog, &ptx_size));
    char *ptx = malloc(ptx_size);
    CHECK(nvrtcGetPTX(prog, ptx));
    CHECK(nvrtcDestroyProgram(&prog));
    free(log);
    CUmodule mod;
    CHECK(cuModuleLoadData(&mod, ptx));
    CUfunction k_elem, k_reduce, k_atomic, k_dyn, k_missing = NULL;
    CHECK(cuModuleGetFunction(&k_elem, mod, "elementwise2d"));
    CHECK(cuModuleGetFunction(&k_reduce, mod, "block_reduce"));
    CHECK(cuModuleGetFunction(&k_atomic, mod, "atomic_min_sum"));
    CHECK(cuModuleGetFunction(&k_dyn, mod, "dyn_reverse"));
    report("cuModuleGetFunction of a missing name == 500 (CUDA_ERROR_NOT_FOUND)",
           cuModuleGetFunction(&k_missing, mod, "no_such_kernel") == 500);
    report("cuModuleGetFunction of a name only in a comment == 500",
           cuModuleGetFunction(&k_missing, mod, "not_a_kernel") == 500);

    CUstream stream;
    CHECK(cuStreamCreate(&stream, 0));
    CUevent ev0, ev1;
    CHECK(cuEventCreate(&ev0, 0));
    CHECK(cuEventCreate(&ev1, 0));
    CHECK(cuEventRecord(ev0, stream));

    // --- (a) element-wise over a 2-D grid --------------------------------------
    {
        uint32_t w = 1000, h = 300, n = w * h;
        uint32_t *a = malloc(n * 4), *b = malloc(n * 4), *out = malloc(n * 4);
        for (uint32_t i = 0; i < n; i++) a[i] = rnd(), b[i] = rnd();
        CUdeviceptr da = dalloc(n * 4), db = dalloc(n * 4), dout = dalloc(n * 4);
        CHECK(cuMemcpyHtoD_v2(da, a, n * 4));
        CHECK(cuMemcpyHtoD_v2(db, b, n * 4));
        CHECK(cuMemsetD32_v2(dout, 0xdeadbeef, n));
        void *params[] = {&da, &db, &dout, &w, &h};
        CHECK(cuLaunchKernel(k_elem, (w + 31) / 32, (h + 7) / 8, 1, 32, 8, 1, 0, stream, params, NULL));
        CHECK(cuStreamSynchronize(stream));
        CHECK(cuMemcpyDtoH_v2(out, dout, n * 4));
        int ok = 1;
        for (uint32_t y = 0; y < h && ok; y++)
            for (uint32_t x = 0; x < w; x++) {
                uint32_t i = y * w + x;
                uint32_t want = a[i] * 3u + (b[i] ^ 0x9e3779b9u) + 7u +
                                (uint32_t)(((uint64_t)a[i] * b[i]) >> 32) +
                                (uint32_t)__builtin_popcount(x ^ y) + (host_brev(a[i]) >> 20);
                if (out[i] != want) {
                    fprintf(stderr, "  (%u,%u): got %u want %u\n", x, y, out[i], want);
                    ok = 0;
                    break;
                }
            }
        report("(a) element-wise kernel over a 2-D grid (32x8 blocks)", ok);
        CHECK(cuMemFree_v2(da)); CHECK(cuMemFree_v2(db)); CHECK(cuMemFree_v2(dout));
        free(a); free(b); free(out);
    }

    // --- (b) block reduction in __shared__ with __syncthreads -----------------
    {
        uint32_t blocks = 64, n = blocks * 256 - 100;
        uint64_t *in = malloc(n * 8), out[64];
        for (uint32_t i = 0; i < n; i++) in[i] = ((uint64_t)rnd() << 20) ^ rnd();
        CUdeviceptr din = dalloc(n * 8), dout = dalloc(blocks * 8);
        CHECK(cuMemcpyHtoD_v2(din, in, n * 8));
        void *params[] = {&din, &dout, &n};
        int ok = 1;
        // Repeat: a missing barrier shows up as an occasional wrong sum.
        for (int rep = 0; rep < 5 && ok; rep++) {
            CHECK(cuLaunchKernel(k_reduce, blocks, 1, 1, 256, 1, 1, 0, stream, params, NULL));
            CHECK(cuMemcpyDtoH_v2(out, dout, blocks * 8));
            for (uint32_t blk = 0; blk < blocks; blk++) {
                uint64_t want = 0;
                for (uint32_t i = blk * 256; i < (blk + 1) * 256 && i < n; i++) want += in[i];
                if (out[blk] != want) {
                    fprintf(stderr, "  rep %d block %u: got %llu want %llu\n", rep, blk,
                            (unsigned long long)out[blk], (unsigned long long)want);
                    ok = 0;
                    break;
                }
            }
        }
        report("(b) block reduction in __shared__ with __syncthreads (64 blocks x 256, 5 runs)", ok);
        CHECK(cuMemFree_v2(din)); CHECK(cuMemFree_v2(dout));
        free(in);
    }

    // --- (c) atomicMin / atomicAdd across many blocks ---------------------------
    {
        uint32_t n = 200 * 128 - 3;
        uint32_t *in = malloc(n * 4), want_min = 0xffffffffu, got_min = 0;
        unsigned long long want_sum = 0, got_sum = 0, zero = 0;
        for (uint32_t i = 0; i < n; i++) {
            in[i] = rnd() | 0x100u;
            if (in[i] < want_min) want_min = in[i];
            want_sum += in[i];
        }
        CUdeviceptr din = dalloc(n * 4), dmin = dalloc(4), dsum = dalloc(8);
        CHECK(cuMemcpyHtoD_v2(din, in, n * 4));
        CHECK(cuMemsetD32_v2(dmin, 0xffffffffu, 1));
        CHECK(cuMemcpyHtoD_v2(dsum, &zero, 8));
        void *params[] = {&din, &dmin, &dsum, &n};
        CHECK(cuLaunchKernel(k_atomic, 200, 1, 1, 128, 1, 1, 0, stream, params, NULL));
        CHECK(cuMemcpyDtoH_v2(&got_min, dmin, 4));
        CHECK(cuMemcpyDtoH_v2(&got_sum, dsum, 8));
        report("(c) atomicMin and atomicAdd over 200 blocks x 128", got_min == want_min && got_sum == want_sum);
        CHECK(cuMemFree_v2(din)); CHECK(cuMemFree_v2(dmin)); CHECK(cuMemFree_v2(dsum));
        free(in);
    }

    // --- (d) dynamic shared memory --------------------------------------------
    {
        uint32_t blocks = 50, bs = 192, n = blocks * bs;
        uint32_t *in = malloc(n * 4), *out = malloc(n * 4);
        for (uint32_t i = 0; i < n; i++) in[i] = rnd();
        CUdeviceptr din = dalloc(n * 4), dout = dalloc(n * 4);
        CHECK(cuMemcpyHtoD_v2(din, in, n * 4));
        void *params[] = {&din, &dout};
        CHECK(cuLaunchKernel(k_dyn, blocks, 1, 1, bs, 1, 1, bs * 4, stream, params, NULL));
        CHECK(cuMemcpyDtoH_v2(out, dout, n * 4));
        int ok = 1;
        for (uint32_t i = 0; i < n; i++)
            if (out[i] != in[(i / bs) * bs + (bs - 1 - i % bs)]) ok = 0;
        report("(d) dynamic shared memory via OBELYSK_DYNAMIC_SHARED (50 blocks x 192)", ok);
        CHECK(cuMemFree_v2(din)); CHECK(cuMemFree_v2(dout));
        free(in); free(out);
    }

    CHECK(cuEventRecord(ev1, stream));
    CHECK(cuEventSynchronize(ev1));
    float ms = -1;
    CHECK(cuEventElapsedTime(&ms, ev0, ev1));
    report("cuEventElapsedTime >= 0", ms >= 0);
    printf("kernels (a)-(d) took %.2f ms\n", ms);

    // --- argument validation -------------------------------------------------
    {
        void *params[] = {NULL};
        report("cuLaunchKernel with a zero grid dimension == 1 (CUDA_ERROR_INVALID_VALUE)",
               cuLaunchKernel(k_dyn, 0, 1, 1, 32, 1, 1, 0, stream, params, NULL) == 1);
    }
    {
        nvrtcProgram bad;
        char *blog = NULL;
        nvrtcResult r = compile("extern \"C\" __global__ void broken(unsigned* p) { p[0] = 1 }\n", &bad, &blog);
        report("syntax error -> NVRTC_ERROR_COMPILATION (6) with a log", r == 6 && strlen(blog) > 0);
        printf("  log: %.*s\n", (int)strcspn(blog, "\n"), blog);
        CHECK(nvrtcDestroyProgram(&bad));
        free(blog);
    }

    CHECK(cuEventDestroy_v2(ev0));
    CHECK(cuEventDestroy_v2(ev1));
    CHECK(cuStreamDestroy_v2(stream));
    CHECK(cuModuleUnload(mod));
    CHECK(cuCtxSynchronize());

    if (count >= 2) multi_device_checks(ptx, count, strncmp(name, "Obelysk CPU emulator", 20) == 0);
    else printf("SKIP multi-device checks: %d device(s)\n", count);
    free(ptx);

    printf("%s: %d failure(s)\n", failures ? "FAILED" : "ALL PASSED", failures);
    return failures ? 1 : 0;
}
