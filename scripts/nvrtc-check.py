#!/usr/bin/env python3
"""Compiles every kernel in Sources/ObelyskCUDA/Kernels with NVRTC to PTX for the given architectures
(default sm_80 and sm_90), with every .cuh as an in-memory header, and prints NVRTC's log on failure.
A quick check while writing kernels; the test suite does the same through the Swift loader.

Usage: scripts/nvrtc-check.py [--nvrtc PATH] [--arch 80 --arch 90] [FILE.cu ...]"""
import argparse, ctypes, glob, os, sys

here = os.path.dirname(os.path.abspath(__file__))
kernels = os.path.join(here, "..", "Sources", "ObelyskCUDA", "Kernels")
ap = argparse.ArgumentParser()
ap.add_argument("--nvrtc", default=os.environ.get("OBELYSK_NVRTC", "libnvrtc.so"))
ap.add_argument("--arch", type=int, action="append")
ap.add_argument("files", nargs="*")
args = ap.parse_args()
lib = ctypes.CDLL(args.nvrtc)
lib.nvrtcGetErrorString.restype = ctypes.c_char_p
headers = sorted(glob.glob(os.path.join(kernels, "*.cuh")))
files = args.files or sorted(glob.glob(os.path.join(kernels, "*.cu")))
failed = 0
for path in files:
    source = open(path, "rb").read()
    for arch in args.arch or [80, 90]:
        prog = ctypes.c_void_p()
        htexts = (ctypes.c_char_p * len(headers))(*[open(h, "rb").read() for h in headers])
        hnames = (ctypes.c_char_p * len(headers))(*[os.path.basename(h).encode() for h in headers])
        lib.nvrtcCreateProgram(ctypes.byref(prog), source, os.path.basename(path).encode(), len(headers), htexts, hnames)
        opts = [f"--gpu-architecture=compute_{arch}".encode(), b"--std=c++17", b"-default-device"]
        rc = lib.nvrtcCompileProgram(prog, len(opts), (ctypes.c_char_p * len(opts))(*opts))
        size = ctypes.c_size_t()
        lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
        log = ctypes.create_string_buffer(size.value)
        lib.nvrtcGetProgramLog(prog, log)
        status = "ok" if rc == 0 else "FAILED: " + lib.nvrtcGetErrorString(rc).decode()
        print(f"{os.path.basename(path)} sm_{arch}: {status}")
        if log.value.strip():
            print(log.value.decode())
        failed += rc != 0
        lib.nvrtcDestroyProgram(ctypes.byref(prog))
sys.exit(1 if failed else 0)
