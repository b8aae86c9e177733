#!/usr/bin/env bash
# Builds the php-rdkafka extension from a checkout the caller names (PHP_RDKAFKA_SRC), against the
# very librdkafka that kafkabridge links (the copy vendored in the rdkafka-sys crate, same version
# and the same features: SSL, SASL PLAIN/SCRAM/OAUTHBEARER, zlib, zstd), so that the side-by-side
# benchmark and the phpt suite compare the two front ends and nothing else.
#
# Nothing is written into the checkout: it is copied to target/php-rdkafka/ first. The result is
# target/php-rdkafka/rdkafka.so (run-path set to its own librdkafka.so); a second run with the same
# checkout and librdkafka returns at once. Prints the path of rdkafka.so on the last line.
#
#   PHP_RDKAFKA_SRC=/path/to/php-rdkafka bash harness/php-rdkafka/build.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
src=${PHP_RDKAFKA_SRC:?set PHP_RDKAFKA_SRC to a php-rdkafka source checkout}
[ -f "$src/config.m4" ] && [ -f "$src/rdkafka.c" ] \
    || { echo "PHP_RDKAFKA_SRC=$src is not a php-rdkafka checkout (no config.m4 / rdkafka.c)" >&2; exit 2; }
command -v phpize >/dev/null || { echo "phpize not found: apt-get install php-dev" >&2; exit 2; }
command -v cmake >/dev/null || { echo "cmake not found: apt-get install cmake" >&2; exit 2; }
# librdkafka is built here with zstd, as the library's own is.
[ -f /usr/include/zstd.h ] || { echo "zstd.h not found: apt-get install libzstd-dev" >&2; exit 2; }

out=$root/target/php-rdkafka
mkdir -p "$out"

# The rdkafka-sys crate that Cargo.lock pins carries the librdkafka source kafkabridge is built from.
sys_manifest=$(cd "$root" && cargo metadata --format-version 1 --locked 2>/dev/null | python3 -c '
import json, sys
meta = json.load(sys.stdin)
print(next(p["manifest_path"] for p in meta["packages"] if p["name"] == "rdkafka-sys"))')
rdk_src=$(dirname "$sys_manifest")/librdkafka
[ -f "$rdk_src/CMakeLists.txt" ] || { echo "no librdkafka source at $rdk_src" >&2; exit 2; }

ext_rev=$(git -C "$src" rev-parse HEAD 2>/dev/null || find "$src" -maxdepth 1 -name '*.c' -newer "$src/config.m4" | wc -l)
stamp="$(basename "$(dirname "$sys_manifest")") $ext_rev $(php-config --version)"
if [ -f "$out/rdkafka.so" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$out/rdkafka.so"
    exit 0
fi

log=$out/build.log
: > "$log"
echo "building librdkafka ($(basename "$(dirname "$sys_manifest")")) as a shared library (log: $log)" >&2
rm -rf "$out/librdkafka-build" "$out/librdkafka"
cmake -S "$rdk_src" -B "$out/librdkafka-build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$out/librdkafka" -DCMAKE_INSTALL_LIBDIR=lib \
    -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \
    -DRDKAFKA_BUILD_STATIC=0 -DRDKAFKA_BUILD_TESTS=0 -DRDKAFKA_BUILD_EXAMPLES=0 \
    -DWITH_SSL=1 -DWITH_SASL_SCRAM=1 -DWITH_SASL_OAUTHBEARER=1 -DWITH_SASL=0 \
    -DWITH_ZLIB=1 -DWITH_ZSTD=1 -DENABLE_LZ4_EXT=0 -DWITH_CURL=0 >>"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
cmake --build "$out/librdkafka-build" -j "$(nproc)" >>"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
cmake --install "$out/librdkafka-build" >>"$log" 2>&1

echo "building php-rdkafka ($ext_rev) against it" >&2
rm -rf "$out/ext-src"
cp -a "$src" "$out/ext-src"
rm -rf "$out/ext-src/.git"
(
    cd "$out/ext-src"
    phpize
    LDFLAGS="-Wl,-rpath,$out/librdkafka/lib" ./configure --with-rdkafka="$out/librdkafka"
    make -j "$(nproc)"
) >>"$log" 2>&1
cp "$out/ext-src/modules/rdkafka.so" "$out/rdkafka.so"
echo "$stamp" > "$out/stamp"
echo "$out/rdkafka.so"
