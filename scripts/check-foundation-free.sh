#!/usr/bin/env bash
# Fails when bitsage-proof links anything from Foundation's ICU-linked half.
#
# Why: on Linux, swift-corelibs-foundation's `Foundation` library (NSString, CharacterSet,
# String(format:), Process, FileHandle, ...) pulls in ICU, 34 MB of Unicode tables, and the static
# bitsage-proof that GPU machines run must stay well under 60 MB (issue 9). FoundationEssentials
# (Data, Date, URL, JSONEncoder, FileManager) is fine. Sources/SageSupport has the replacements.
#
# How: every object file SwiftPM links into the product (its Objects.LinkFileList, written by any
# build of it, static or not) must reference no symbol that libFoundation, libFoundationNetworking,
# libFoundationXML or libFoundationInternationalization define. Extension members leak across
# imports (a `contains` on strings can be Foundation's even in a file that imports only
# FoundationEssentials), so the compiler alone does not catch this; the linker's inputs do.
#
# Usage: scripts/check-foundation-free.sh [BUILD_DIR] [PRODUCT]   (defaults: .build/release bitsage-proof)
set -euo pipefail
build=${1:-.build/release}
product=${2:-bitsage-proof}
list="$build/$product.product/Objects.LinkFileList"
[ -f "$list" ] || { echo "check-foundation-free: $list is missing; build $product first (swift build -c release --product $product)" >&2; exit 2; }

swift_bin=$(dirname "$(readlink -f "$(command -v swift)")")
libdir="$swift_bin/../lib/swift/linux"
forbidden=$(mktemp); used=$(mktemp)
trap 'rm -f "$forbidden" "$used"' EXIT
for lib in Foundation FoundationNetworking FoundationXML FoundationInternationalization; do
  [ -f "$libdir/lib$lib.so" ] || { echo "check-foundation-free: $libdir/lib$lib.so not found" >&2; exit 2; }
  nm -D --defined-only "$libdir/lib$lib.so" | awk '{print $NF}'
done | sort -u > "$forbidden"

# SwiftPM's generated `Bundle.module` accessor (ObelyskCUDA ships its kernels as a resource) uses
# Foundation's Bundle. Whole-module optimisation drops it from the product, since nothing calls it (the
# kernels are found by path, Driver/KernelSources.swift), but `swift test` builds with testability, which
# keeps it. So the accessor's object is skipped, and a call to it fails here instead.
if grep -rn --include='*.swift' 'Bundle\.module' Sources >/dev/null; then
  grep -rn --include='*.swift' 'Bundle\.module' Sources
  echo "check-foundation-free: FAILED. Bundle.module is Foundation's Bundle (ICU); find resources by path as KernelSources does." >&2
  exit 1
fi

# One nm over every object ("file: U symbol" lines), joined with the forbidden set in one awk pass.
# (nm exits non-zero for an object with no symbols; that is not a finding.)
{ tr -d "'" < "$list" | grep -v -e '^$' -e '/resource_bundle_accessor\.swift\.o$' | xargs nm -u -A 2>/dev/null || true; } \
  | awk 'NR == FNR { bad[$1] = 1; next } ($NF in bad) { file = $1; sub(/:$/, "", file); print file "\t" $NF }' "$forbidden" - > "$used"
status=0
if [ -s "$used" ]; then
  status=1
  for object in $(cut -f1 "$used" | sort -u); do
    echo "$object uses Foundation's ICU-linked half:"
    grep -F "$object" "$used" | cut -f2 | sort -u | head -n 10 | swift demangle --simplified | sed 's/^/    /'
  done
fi

if [ "$status" -ne 0 ]; then
  echo "check-foundation-free: FAILED. Import FoundationEssentials and use Sources/SageSupport instead (see its README.md)." >&2
  exit 1
fi
echo "check-foundation-free: $product links nothing from Foundation's ICU-linked half ($(wc -l < "$list") object files checked)"
