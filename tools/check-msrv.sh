#!/usr/bin/env bash
# Checks that the crate builds with the rust-version Cargo.toml declares (its own code and the
# locked dependencies), with that toolchain from rustup; says so and skips when rustup cannot
# install it on this machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
msrv="$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)"
if ! rustup run "$msrv" rustc --version >/dev/null 2>&1 &&
   ! rustup toolchain install "$msrv" --profile minimal >/dev/null 2>&1; then
    echo "msrv: SKIPPED, rust $msrv is not installable here (rustup toolchain install $msrv failed)"
    exit 0
fi
cargo "+$msrv" check --release --lib --bins --workspace --locked --quiet --target-dir target/msrv
echo "msrv: builds with rust $msrv"
