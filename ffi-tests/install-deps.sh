#!/usr/bin/env bash
# Installs the Debian packages that are missing: `build` for the library and the demo, `test`
# (the default) for the test suites as well.
set -euo pipefail
packages=(build-essential cmake pkg-config libssl-dev zlib1g-dev libcurl4-openssl-dev)
[ "${1:-test}" = build ] || packages+=(valgrind kcat maven openjdk-17-jre-headless php8.2-cli php8.2-fpm phpunit libfcgi-bin iproute2)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A JDK or Maven installed outside Debian's packages counts too.
if command -v java >/dev/null; then missing=("${missing[@]/openjdk-17-jre-headless}"); fi
if command -v mvn >/dev/null; then missing=("${missing[@]/maven}"); fi
read -ra missing <<< "${missing[*]}"
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "cargo is required: install Rust (https://rustup.rs)"; exit 1; }
echo "dependencies: present"
