#!/usr/bin/env bash
# The two Composer packages, installed from this checkout as path repositories (no network):
# kafkabridge/rdkafka brings the RdKafka\ drop-in, provides ext-rdkafka (a package requiring the
# extension installs against it) and loads through its one autoloader; kafkabridge/kafkabridge
# alone provides no ext-rdkafka. Prints "composer: N passed, N failed".
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
php_dir="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export COMPOSER_HOME="$work/home" COMPOSER_NO_INTERACTION=1 COMPOSER_ALLOW_SUPERUSER=1
passed=0 failed=0
ok() { echo "  ok   $1"; passed=$((passed + 1)); }
fail() { echo "  FAIL $1"; failed=$((failed + 1)); }

# A project requiring $1 (and ext-rdkafka when $2 is "with-ext"), from this checkout only.
project() {
    local dir="$work/$3" require="\"$1\": \"*\""
    [ "$2" = with-ext ] && require="$require, \"ext-rdkafka\": \"^6.0\""
    mkdir -p "$dir"
    cat > "$dir/composer.json" <<JSON
{
    "require": { $require },
    "minimum-stability": "dev",
    "repositories": [
        { "packagist.org": false },
        { "type": "path", "url": "$php_dir/rdkafka" },
        { "type": "path", "url": "$php_dir" }
    ]
}
JSON
    echo "$dir"
}

if ! command -v composer >/dev/null; then
    echo "composer is not installed (Debian: apt-get install composer)" >&2
    echo "composer: 0 passed, 1 failed"
    exit 1
fi

dir="$(project kafkabridge/rdkafka with-ext dropin)"
if (cd "$dir" && composer install --quiet 2>"$work/install.err"); then
    ok "kafkabridge/rdkafka installs and satisfies a requirement on ext-rdkafka"
    if php -d ffi.enable=1 "$here/dropin_loads.php" "$dir/vendor/autoload.php"; then
        ok "the drop-in loads through Composer's autoloader and produces to the mock cluster"
    else
        fail "the drop-in loads through Composer's autoloader and produces to the mock cluster"
    fi
else
    cat "$work/install.err" >&2
    fail "kafkabridge/rdkafka installs and satisfies a requirement on ext-rdkafka"
fi

dir="$(project kafkabridge/kafkabridge with-ext native)"
if (cd "$dir" && composer install >"$work/native.err" 2>&1); then
    fail "kafkabridge/kafkabridge alone does not provide ext-rdkafka (it installed)"
elif grep -q 'ext-rdkafka' "$work/native.err"; then
    ok "kafkabridge/kafkabridge alone does not provide ext-rdkafka"
else
    cat "$work/native.err" >&2
    fail "kafkabridge/kafkabridge alone does not provide ext-rdkafka (failed for another reason)"
fi

echo "composer: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
