#!/usr/bin/env bash
# Adds up the suite totals in a `make test` log ("<suite>: N passed, N failed" and cargo's
# "test result: ... N passed; N failed") into one closing line.
set -euo pipefail
awk '
  /^test result: / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;/) p += $i; if ($(i+1) ~ /^failed;/) f += $i } next }
  /^[^ ].*: [0-9]+ passed, [0-9]+ failed$/ { n = split($0, w, " "); p += w[n-3]; f += w[n-1] }
  END { printf "total: %d passed, %d failed\n", p, f; exit (f > 0) }
' "$1"
