#!/usr/bin/env bash
# Installs the Debian packages that are missing: `build` for the library and the demo, `test`
# (the default) for the test suites as well, `bench` for the benchmarks on top of that.
set -euo pipefail
packages=(build-essential cmake pkg-config libssl-dev zlib1g-dev libcurl4-openssl-dev)
[ "${1:-test}" = build ] || packages+=(valgrind kcat maven openjdk-17-jre-headless php8.2-cli php8.2-fpm phpunit composer libfcgi-bin iproute2 openssl python3-pytest redis-tools php8.2-redis)
[ "${1:-test}" != bench ] || packages+=(nginx-light wrk curl python3-venv linux-perf redis-server)
# Building the php-rdkafka extension for the phpt suite and the side-by-side rows needs phpize and
# run-tests.php (php-dev) and zstd's headers (librdkafka is built shared, with the same features).
[ -z "${PHP_RDKAFKA_SRC:-}" ] || [ "${1:-test}" = build ] || packages+=(php8.2-dev libzstd-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A JDK or Maven installed outside Debian's packages counts too.
if command -v java >/dev/null; then missing=("${missing[@]/openjdk-17-jre-headless}"); fi
if command -v mvn >/dev/null; then missing=("${missing[@]/maven}"); fi
# ...and so does a pytest the python3 on PATH already imports (a venv, pyenv, pip).
if python3 -c 'import pytest' >/dev/null 2>&1; then missing=("${missing[@]/python3-pytest}"); fi
read -ra missing <<< "${missing[*]}"
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    # Packages with a service (nginx) must not start it: the benchmark runs its own instance on
    # 127.0.0.1. policy-rc.d is Debian's switch for that; ours is removed again afterwards.
    policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy"
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    [ -z "$policy" ] || $sudo rm -f "$policy"
fi
command -v cargo >/dev/null || { echo "cargo is required: install Rust (https://rustup.rs)"; exit 1; }
# Debian's golang is older than the Go binding's go.mod asks for.
if [ "${1:-test}" != build ] && ! command -v go >/dev/null; then
    echo "go is required for the Go binding's tests: install Go 1.22 or newer (https://go.dev/dl/)"
    exit 1
fi
echo "dependencies: present"
