#!/usr/bin/env bash
# Time one phase of `make test` and keep a table of them:
#   scripts/timed.sh PHASE COMMAND...   run COMMAND, print and record how long PHASE took
#   scripts/timed.sh --reset            start a new table
#   scripts/timed.sh --summary          print the table and the total
# A failing phase is recorded too, then its exit status is passed on.
set -uo pipefail
table=${TEST_PHASES_FILE:-var/test-phases.txt}
mkdir -p "$(dirname "$table")"

case ${1:-} in
  --reset) : >"$table"; exit 0 ;;
  --summary)
    echo "== make test: time per phase =="
    awk '{ printf "  %-10s %6d s  (%d min %02d s)  %s\n", $1, $2, $2 / 60, $2 % 60, $3; total += $2 }
         END { printf "  %-10s %6d s  (%d min %02d s)\n", "total", total, total / 60, total % 60 }' "$table"
    exit 0 ;;
esac

phase=$1
shift
start=$(date +%s)
echo "== $phase: $* =="
"$@"
status=$?
seconds=$(($(date +%s) - start))
outcome=$([[ $status -eq 0 ]] && echo passed || echo "FAILED($status)")
echo "$phase $seconds $outcome" >>"$table"
echo "== $phase: $outcome in $seconds s =="
exit $status
