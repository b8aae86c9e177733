#!/usr/bin/env bash
# kcat cross-check: kafkabridge and kcat (an independent librdkafka client) must agree byte for
# byte on what is in Kafka.
#
#   1. Messages produced through kafkabridge (binary keys and values with NUL and 0xff, empty and
#      absent keys/values, headers incl. binary, empty and NULL values) are read back by kcat,
#      one message per kcat invocation (-o N -c 1 -e), key and value written raw to a file
#      (-f '%k', '%s', and '%K %S' for the lengths, -1 meaning NULL) and compared with cmp.
#      Headers are compared through kcat's JSON output (-J), because kcat's '%h' stops printing
#      a header value at its first NUL byte; the expected JSON is built byte by byte with the
#      escaping kcat's JSON writer (yajl) uses.
#   2. Messages produced by kcat (whole binary files with -k and -H, and stdin lines with -K,
#      including an empty key, an empty value and a tombstone) are consumed through kafkabridge
#      (ffi-tests/kcat/kbcat.c, which writes every key, value and header to its own file) and
#      compared with cmp.
#
# Needs KAFKA_BROKERS (harness/kafka/start.sh) and `make build`. Every wait is bounded: kcat
# runs with -e under `timeout`, kbcat polls with deadlines. Prints one line per check and ends
# with "kcat crosscheck: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# --- prerequisites -------------------------------------------------------------------------
missing=()
command -v kcat >/dev/null || missing+=(kcat)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v cc >/dev/null || missing+=(build-essential)
command -v cmp >/dev/null || missing+=(diffutils)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null ||
        { echo "could not install ${missing[*]}" >&2; exit 2; }
fi
if [ -z "${KAFKA_BROKERS:-}" ]; then
    echo "KAFKA_BROKERS is not set: start the broker with harness/kafka/start.sh (or run make test)" >&2
    exit 2
fi
export PKG_CONFIG_PATH="$root/target/release${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
if [ ! -f "$root/target/release/kafkabridge.pc" ] || [ ! -f "$root/target/release/libkafkabridge.so" ]; then
    echo "the library is not built: run 'make build' first" >&2
    exit 2
fi

# --- the kafkabridge helper ----------------------------------------------------------------
mkdir -p "$here/build"
kbcat="$here/build/kbcat"
# shellcheck disable=SC2046  # pkg-config output is meant to be split
cc -std=c11 -Wall -Wextra -Werror -O1 -g $(pkg-config --cflags kafkabridge) -o "$kbcat" "$here/kbcat.c" \
    $(pkg-config --libs kafkabridge) || { echo "building kbcat failed" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
B="$KAFKA_BROKERS"
run_id="$$-$(date +%s%N)"
passed=0 failed=0

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
size() { if [ -e "$1" ]; then stat -c %s "$1"; else echo none; fi; }
# same <description> <expected-file> <actual-file>: byte-exact comparison.
same() {
    if [ -e "$3" ] && cmp -s "$2" "$3"; then
        pass "$1"
    else
        fail "$1" "expected $(size "$2") bytes, got $(size "$3")$( [ -e "$3" ] && echo "; $(cmp "$2" "$3" 2>&1 | head -1)")"
    fi
}
# Length as kcat prints it for %K / %S: -1 for an absent ("-") key or value.
len_of() { if [ "$1" = - ]; then echo -1; else stat -c %s "$1"; fi; }
# A file's bytes as a JSON string the way kcat -J (yajl) writes it: '"' and '\' escaped, \b \t
# \n \f \r, other bytes below 0x20 as \u00XX (upper-case hex), everything else raw.
json_string() {
    local b
    printf '"'
    for b in $(od -An -v -tu1 "$1"); do
        case $b in
            8) printf '\\b' ;; 9) printf '\\t' ;; 10) printf '\\n' ;; 12) printf '\\f' ;; 13) printf '\\r' ;;
            34) printf '\\"' ;; 92) printf '\\\\' ;;
            *) if ((b < 32)); then printf '\\u%04X' "$b"; else printf "\\x$(printf %02x "$b")"; fi ;;
        esac
    done
    printf '"'
}

# ============================================================================================
# 1. kafkabridge produces, kcat reads.
# ============================================================================================
t1="kbx-kb2kcat-$run_id"
d="$work/kb2kcat"
mkdir -p "$d"
echo "== 1. produced by kafkabridge, read by kcat (topic $t1)"

if out=$("$kbcat" create "$t1" 1 2>&1); then pass "create topic $t1 via kafkabridge"; else fail "create topic $t1" "$out"; fi

# Message specs: key file, value file ("-" = absent), then header name/file pairs.
printf 'key-0' > "$d/k0"
printf 'bin\x00\xff\x01\n\r\tend\x00' > "$d/v0"
printf 'abc\x00\xff,=x' > "$d/h0a"
: > "$d/h0b"
printf '\x00\xffk\n' > "$d/k1"
head -c 100000 /dev/urandom > "$d/v1"
printf 'empty-value' > "$d/k2"
: > "$d/v2"
printf 'v' > "$d/h2a"
for b in $(seq 0 255); do printf "\\x$(printf %02x "$b")"; done > "$d/h2b"   # every byte value
printf '\xff\x00' > "$d/v3"
: > "$d/k4"
printf 'tombstone' > "$d/k5"
specs=(
    "$d/k0 $d/v0 trace-id $d/h0a empty $d/h0b nullhdr -"   # binary value, binary/empty/NULL header values
    "$d/k1 $d/v1"                                          # binary key, 100 kB of random bytes
    "$d/k2 $d/v2 h $d/h2a all-bytes $d/h2b"                # empty (non-NULL) value; header of bytes 0..255
    "- $d/v3"                                              # absent key
    "$d/k4 $d/v3"                                          # empty (non-NULL) key
    "$d/k5 -"                                              # tombstone (NULL value)
)

for i in "${!specs[@]}"; do
    read -ra spec <<< "${specs[$i]}"
    key="${spec[0]}" value="${spec[1]}" hdrs=("${spec[@]:2}")
    # What kcat -J prints for the headers: "headers":["name","value",...] (a NULL value as null)
    # followed by ,"key": -- or no "headers" member at all when there are none.
    : > "$d/$i.hexp"
    if ((${#hdrs[@]})); then
        {
            printf '"headers":['
            for ((h = 0; h < ${#hdrs[@]}; h += 2)); do
                ((h > 0)) && printf ','
                printf '"%s",' "${hdrs[h]}"
                if [ "${hdrs[h + 1]}" = - ]; then printf 'null'; else json_string "${hdrs[h + 1]}"; fi
            done
            printf '],"key":'
        } > "$d/$i.hexp"
    fi
    printf '%s %s' "$(len_of "$key")" "$(len_of "$value")" > "$d/$i.lexp"
    if [ "$key" = - ]; then : > "$d/$i.kexp"; else cp "$key" "$d/$i.kexp"; fi
    if [ "$value" = - ]; then : > "$d/$i.vexp"; else cp "$value" "$d/$i.vexp"; fi

    if ! out=$("$kbcat" produce "$t1" 0 "$key" "$value" "${hdrs[@]}" 2>&1); then
        fail "m$i produced via kafkabridge" "$out"
        continue
    fi
    if [ "$out" = "0 $i" ]; then pass "m$i produced via kafkabridge at partition 0 offset $i"
    else fail "m$i produced via kafkabridge" "expected partition/offset '0 $i', got '$out'"; fi

    for field in lengths key value headers; do
        case $field in
            lengths) fmt=(-f '%K %S') ;;
            key) fmt=(-f '%k') ;;
            value) fmt=(-f '%s') ;;
            headers) fmt=(-J) ;;
        esac
        got="$d/$i.$field.kcat"
        if ! timeout 30 kcat -C -q -b "$B" -t "$t1" -p 0 -o "$i" -c 1 -e "${fmt[@]}" > "$got" 2> "$got.err"; then
            fail "m$i $field read by kcat" "kcat failed: $(head -c 300 "$got.err")"
            continue
        fi
        case $field in
            lengths) same "m$i lengths (key, value) read by kcat" "$d/$i.lexp" "$got" ;;
            key) same "m$i key read by kcat" "$d/$i.kexp" "$got" ;;
            value) same "m$i value read by kcat" "$d/$i.vexp" "$got" ;;
            headers)
                if [ ! -s "$got" ]; then
                    fail "m$i headers read by kcat (-J)" "kcat returned no message at offset $i"
                elif [ -s "$d/$i.hexp" ] && LC_ALL=C grep -aqF -f "$d/$i.hexp" "$got"; then
                    pass "m$i headers ($((${#hdrs[@]} / 2))) read by kcat (-J)"
                elif [ ! -s "$d/$i.hexp" ] && ! LC_ALL=C grep -aqF '"headers":' "$got"; then
                    pass "m$i headers (none) read by kcat (-J)"
                else
                    fail "m$i headers read by kcat (-J)" "expected $(cat -v "$d/$i.hexp" | head -c 300), got: $(LC_ALL=C grep -ao '"headers":\[.*\],"key":' "$got" | cat -v | head -c 300)"
                fi ;;
        esac
    done
done

# ============================================================================================
# 2. kcat produces, kafkabridge reads.
# ============================================================================================
t2="kbx-kcat2kb-$run_id"
d="$work/kcat2kb"
mkdir -p "$d/out"
echo "== 2. produced by kcat, read by kafkabridge (topic $t2)"

if out=$("$kbcat" create "$t2" 1 2>&1); then pass "create topic $t2 via kafkabridge"; else fail "create topic $t2" "$out"; fi

# Expected contents, one set of files per offset: key ("-" absent), value, headers (name file).
printf 'v0\x00\xff\xfe\n\r\x01end' > "$d/v0"
printf 'k\xff\x01-0' > "$d/k0"
printf '\xfe\x01t' > "$d/h0"
head -c 65536 /dev/urandom > "$d/v1"
printf 'k1' > "$d/k1"
printf '1' > "$d/h1a"
printf '\xff\xfe' > "$d/h1b"
: > "$d/h1c"
printf '\x00' > "$d/v2"
printf 'kk\xff' > "$d/k3"
printf 'v\x00v\xff' > "$d/v3"
printf 'stdin' > "$d/hs"
: > "$d/k4"
printf 'empty-key' > "$d/v4"
printf 'emp' > "$d/k5"
: > "$d/v5"
printf 'tomb' > "$d/k6"
expect=(
    "$d/k0 $d/v0 trace $d/h0"
    "$d/k1 $d/v1 a $d/h1a b $d/h1b c $d/h1c"
    "- $d/v2 nullhdr -"
    "$d/k3 $d/v3 via $d/hs"
    "$d/k4 $d/v4 via $d/hs"
    "$d/k5 $d/v5 via $d/hs"
    "$d/k6 - via $d/hs"
)

kcat_produce() { # <description> <kcat args...>; stdin is passed on
    local what="$1"
    shift
    if out=$(timeout 30 kcat -P -q -b "$B" -t "$t2" -p 0 "$@" 2>&1); then pass "$what"; else fail "$what" "kcat exit $?: $out"; fi
}
# Whole files as values (kcat -P <file>), key with -k, headers with -H (no '=': NULL value).
kcat_produce "n0 produced by kcat (file, -k binary key, -H binary header)" -k $'k\xff\x01-0' -H $'trace=\xfe\x01t' "$d/v0"
kcat_produce "n1 produced by kcat (64 KiB random file, 3 headers)" -k k1 -H a=1 -H $'b=\xff\xfe' -H c= "$d/v1"
kcat_produce "n2 produced by kcat (single NUL byte, no key, NULL header)" -H nullhdr "$d/v2"
# stdin lines with -K: key|value; a value may hold NUL bytes (only '\n' delimits).
printf 'kk\xff|v\x00v\xff\n|empty-key\nemp|\n' > "$d/stdin"
kcat_produce "n3-n5 produced by kcat (stdin -K: binary, empty key, empty value)" -K '|' -H via=stdin < "$d/stdin"
printf 'tomb|\n' > "$d/stdin-z"
kcat_produce "n6 produced by kcat (stdin -K -Z: tombstone)" -K '|' -Z -H via=stdin < "$d/stdin-z"

if out=$("$kbcat" consume "$t2" 0 "${#expect[@]}" "$d/out" 2>&1); then
    pass "kafkabridge consumed exactly ${#expect[@]} messages"
else
    fail "kafkabridge consumed exactly ${#expect[@]} messages" "$out"
fi

for i in "${!expect[@]}"; do
    read -ra spec <<< "${expect[$i]}"
    key="${spec[0]}" value="${spec[1]}" hdrs=("${spec[@]:2}")
    o="$d/out/$i"
    if [ "$key" = - ]; then
        if [ -e "$o.key.null" ] && [ ! -e "$o.key" ]; then pass "n$i key (absent) read by kafkabridge"
        else fail "n$i key read by kafkabridge" "expected an absent key, got $(size "$o.key") bytes"; fi
    else
        same "n$i key read by kafkabridge" "$key" "$o.key"
    fi
    if [ "$value" = - ]; then
        if [ -e "$o.value.null" ] && [ ! -e "$o.value" ]; then pass "n$i value (NULL, tombstone) read by kafkabridge"
        else fail "n$i value read by kafkabridge" "expected a NULL value, got $(size "$o.value") bytes"; fi
    else
        same "n$i value read by kafkabridge" "$value" "$o.value"
    fi
    # Headers: the count, then each name and value (or NULL) in order.
    problems=""
    n=$(cat "$o.headers" 2>/dev/null || echo missing)
    [ "$n" = $((${#hdrs[@]} / 2)) ] || problems+=" count $n, expected $((${#hdrs[@]} / 2));"
    for ((h = 0; h < ${#hdrs[@]}; h += 2)); do
        j=$((h / 2))
        printf '%s' "${hdrs[h]}" > "$d/hname"
        cmp -s "$d/hname" "$o.h$j.name" 2>/dev/null || problems+=" header $j name is not '${hdrs[h]}';"
        if [ "${hdrs[h + 1]}" = - ]; then
            { [ -e "$o.h$j.value.null" ] && [ ! -e "$o.h$j.value" ]; } || problems+=" header $j value should be NULL;"
        else
            cmp -s "${hdrs[h + 1]}" "$o.h$j.value" 2>/dev/null ||
                problems+=" header $j value: expected $(size "${hdrs[h + 1]}") bytes, got $(size "$o.h$j.value");"
        fi
    done
    if [ -z "$problems" ]; then pass "n$i headers ($((${#hdrs[@]} / 2))) read by kafkabridge"
    else fail "n$i headers read by kafkabridge" "${problems%;}"; fi
done

# Best-effort cleanup of the two topics (not a check).
"$kbcat" delete "$t1" >/dev/null 2>&1 || true
"$kbcat" delete "$t2" >/dev/null 2>&1 || true

echo "kcat crosscheck: $passed passed, $failed failed"
[ "$failed" = 0 ]
