# kafkabridge: `make demo` runs a producer/consumer round trip (embedded mock cluster unless
# KAFKA_BROKERS is set); `make test` installs what the tests need, builds, checks the generated
# headers, starts a real Apache Kafka broker and runs every suite; `make bench` runs the benchmarks.

SHELL := /bin/bash
PREFIX ?= /usr/local
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
LIB_DIR := $(CURDIR)/target/release
export PKG_CONFIG_PATH := $(LIB_DIR):$(PKG_CONFIG_PATH)

.PHONY: all build build-deps deps pc headers headers-check check check-bindings unit-test c-test valgrind-test crosscheck php-test phpt python-test go-test proxy-test fuzz fuzz-smoke faults faults-quick test bench bench-smoke demo install clean

all: build

deps:
	@bash harness/install-deps.sh test

build-deps:
	@bash harness/install-deps.sh build

build:
	cargo build --release
	@$(MAKE) --no-print-directory pc

# An uninstalled pkg-config file pointing into this tree, so C and cgo users (and our tests) link
# with `pkg-config --cflags --libs kafkabridge`.
pc:
	@sed -e 's|@PREFIX@|$(CURDIR)|; s|@LIBDIR@|$(LIB_DIR)|; s|@INCLUDEDIR@|$(CURDIR)/include|; s|@VERSION@|$(VERSION)|' \
	    kafkabridge.pc.in > $(LIB_DIR)/kafkabridge.pc
	@$(call preload_header,$(LIB_DIR)/libkafkabridge.so,$(LIB_DIR)/kafkabridge_preload.h)

# PHP's ffi.preload needs FFI_SCOPE and FFI_LIB defines in front of the declarations.
define preload_header
	{ echo '#define FFI_SCOPE "kafkabridge"'; echo '#define FFI_LIB "$(1)"'; cat include/kafkabridge_ffi.h; } > $(2)
endef

# build.rs generates the headers into cargo's OUT_DIR; include/ holds the committed copy.
# ...and tools/gen-constants.py writes the bindings' constant tables from the header.
headers:
	@bash tools/headers.sh
	@python3 tools/gen-constants.py

headers-check:
	@bash tools/headers.sh --check
	@python3 tools/gen-constants.py --check

# The fast gates, no broker needed (a minute or two once built): formatting, clippy with
# warnings as errors, the declared rust-version, the committed headers, Rust unit tests, the
# C suite that runs on the embedded mock cluster and the bindings' broker-less tests.
check: build
	cargo fmt --all --check
	cargo clippy --release --workspace --all-targets --quiet -- -D warnings
	@bash tools/check-msrv.sh
	@$(MAKE) --no-print-directory headers-check
	@python3 tools/module-graph.py
	$(MAKE) --no-print-directory unit-test
	KB_SUITE="c suite, broker-less" $(MAKE) --no-print-directory -C ffi-tests/c run TESTS=build/test_core
	@$(MAKE) --no-print-directory check-bindings

# The PHP, Python and Go tests that need no broker (on the embedded mock cluster or no cluster):
# each run-tests.sh with KB_BROKERLESS=1 selects them (PHPUnit --group brokerless, pytest
# -m brokerless, go test -short) and prints "<suite>, broker-less: N passed, N failed". All three
# run even if one fails; a missing php, phpunit, pytest or go fails with what to install.
check-bindings: build
	@status=0; for b in php python go; do KB_BROKERLESS=1 bash bindings/$$b/run-tests.sh || status=1; done; exit $$status

# The core's unit tests, and the exports called from Rust at the edges of their contracts (NULL,
# freed, mistyped and made-up handles, out-of-range integers, length limits) on the mock cluster.
unit-test:
	cargo test --release --lib --test exports_boundary
	cargo test --release -p kafkabridge-proxy

c-test: build
	$(MAKE) -C ffi-tests/c run

valgrind-test: build
	$(MAKE) -C ffi-tests/c valgrind

crosscheck: build
	bash ffi-tests/kcat/crosscheck.sh

php-test: build
	bash bindings/php/run-tests.sh

# php-rdkafka's own phpt suite on the drop-in, given a php-rdkafka checkout in PHP_RDKAFKA_SRC
# (skipped with a note otherwise); harness/php-rdkafka/known-failures.txt lists what still differs.
phpt: build
	bash harness/php-rdkafka/phpt.sh

python-test: build
	bash bindings/python/run-tests.sh

go-test: build
	bash bindings/go/run-tests.sh

# kafkabridge-proxy driven by redis-py and raw sockets on the real broker (proxy/README.md).
proxy-test: build
	bash proxy/run-tests.sh

test: deps
	@set -o pipefail; { $(MAKE) --no-print-directory check fuzz-smoke && \
	    bash harness/with-broker.sh $(MAKE) --no-print-directory c-test valgrind-test crosscheck php-test phpt python-test go-test proxy-test faults-quick bench-smoke; } 2>&1 | tee target/test.log
	@bash harness/summarize.sh target/test.log

# Coverage-guided fuzzing of the proxy's RESP parser (proxy/fuzz/run.sh): FUZZ_SECONDS long,
# the corpus kept in target/fuzz/corpus between runs. fuzz-smoke is the minute `make test` gives it.
FUZZ_SECONDS ?= 600
fuzz:
	bash proxy/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-smoke:
	bash proxy/fuzz/run.sh 60

# The fault scenarios (faults/run.py): a broker of their own killed, frozen and restarted under
# load, every message checked; the table goes to faults/results/latest.{md,json}. faults-quick is
# the part `make test` runs: the unreachable-broker and spool scenarios, small, results under target/.
faults: deps build
	@python3 -c 'import redis' 2>/dev/null || python3 -m pip install -q redis
	python3 faults/run.py

faults-quick: build
	FAULTS_ONLY=broker-stopped,broker-frozen,spool,spool-replay-kill FAULTS_SETTINGS=defaults,strict FAULTS_MESSAGES=100000 \
	    FAULTS_RESULTS=target/faults/quick FAULTS_SUITE="faults, quick" python3 faults/run.py

# The scoreboard (bench/README.md): every measurement against the real broker, then
# bench/results/latest.{md,json,png}. Takes 10-15 minutes; not part of `make test`.
bench:
	bash bench/run.sh

# Every benchmark program and section once with tiny counts, results under target/: keeps
# `make bench` working (part of `make test`).
bench-smoke: build
	BENCH_RESULTS=target/bench/smoke BENCH_MESSAGES=3000 BENCH_REPS=1 BENCH_SYNC_MESSAGES=50 \
	    BENCH_CROSSING_MESSAGES=3000 BENCH_FPM_SECONDS=3 BENCH_FPM_CONSUME_MESSAGES=100000 \
	    BENCH_PROXY_REQUESTS=2000 BENCH_PROXY_CONNECTIONS=200 bash bench/run.sh

demo: build-deps build
	$(MAKE) -C examples/c demo

install: build
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 0755 target/release/libkafkabridge.so $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 target/release/libkafkabridge.a $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 include/kafkabridge.h include/kafkabridge_ffi.h $(DESTDIR)$(PREFIX)/include/
	$(call preload_header,$(PREFIX)/lib/libkafkabridge.so,$(DESTDIR)$(PREFIX)/include/kafkabridge_preload.h)
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(PREFIX)/lib|; s|@INCLUDEDIR@|$(PREFIX)/include|; s|@VERSION@|$(VERSION)|' \
	    kafkabridge.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/kafkabridge.pc

clean:
	cargo clean
	$(MAKE) -C ffi-tests/c clean
