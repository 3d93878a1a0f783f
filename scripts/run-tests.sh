#!/usr/bin/env bash
# `make test`: sanity, unit, integration, api and security tests, with a summary at the end.
#   scripts/run-tests.sh                     # all five (sanity beside the unit tests)
#   scripts/run-tests.sh unit integration    # some of them
# Extra pytest arguments: PYTEST_ARGS="-k flavor -x" scripts/run-tests.sh unit
# Exit status is non-zero when any part failed.
#
# A skipped test has tested nothing, so a part fails on any skip that is not in
# scripts/test_summary.py's EXPECTED_SKIPS (a MariaDB-only test when
# NOVALITE_TEST_BACKENDS leaves MariaDB out, ...). A missing test image or
# daemon fails the run. The summary gives passed/failed/skipped per part; the
# JUnit XML of each part is in artifacts/test-results/.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(sanity unit integration api security)

[ -x .venv/bin/python ] || { echo "run-tests: .venv missing: run 'make up' first" >&2; exit 1; }

echo "==> daemons"
scripts/start-libvirt.sh || { echo "run-tests: libvirt could not be started" >&2; exit 1; }
if [ -x /usr/sbin/mariadbd ]; then
    install -d -o mysql -g mysql -m 0755 /run/mysqld
    start-stop-daemon --start --oknodo --quiet --background --exec /usr/sbin/mariadbd
    for _ in $(seq 1 60); do
        mysqladmin --protocol=tcp -h 127.0.0.1 -u root ping >/dev/null 2>&1 && break
        sleep 0.5
    done
fi
if [ -z "${NOVALITE_TEST_BACKENDS:-}" ] && ! mysqladmin --protocol=tcp -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
    if [ "${CI:-}" = "true" ]; then
        echo "run-tests: MariaDB does not answer on 127.0.0.1:3306 (CI tests both backends)" >&2
        exit 1
    fi
    echo "    MariaDB not available: store tests run on SQLite only"
    export NOVALITE_TEST_BACKENDS=sqlite
fi

RESULTS=artifacts/test-results
TEST_IMAGE=.cache/test-image/disk.qcow2
mkdir -p "$RESULTS"

declare -a summary=()
failed=0
counts=""   # the last part's "N passed, N failed, N skipped"
record() {  # name, verdict ("" = passed), seconds
    local verdict=${2:-PASSED}
    [ "$verdict" = PASSED ] || failed=1
    summary+=("$(printf '%-12s %-26s %5ss  %s' "$1" "$verdict" "$3" "$counts")")
}

run_pytest() {  # part, directory, extra pytest arguments: sets verdict ("" when it passed) and counts
    local part=$1 dir=$2 rc summary_rc report
    shift 2
    report="$RESULTS/$part.xml"
    rm -f "$report"
    # shellcheck disable=SC2086  # PYTEST_ARGS is meant to split into arguments
    .venv/bin/python -m pytest -q -p no:cacheprovider --durations=5 -rs --junitxml="$report" "$@" "$dir" \
        ${PYTEST_ARGS:-}
    rc=$?
    .venv/bin/python scripts/test_summary.py "$report" > "$report.summary"
    summary_rc=$?
    cat "$report.summary"
    counts=$(head -1 "$report.summary")
    if [ $rc -ne 0 ]; then
        verdict="FAILED (exit $rc)"    # 5 = nothing collected, a failure too
    elif [ $summary_rc -eq 3 ]; then
        verdict="FAILED (unexpected skips)"
    elif [ $summary_rc -ne 0 ]; then
        verdict="FAILED (no report)"
    fi
}

needs_image() {  # part: a part that boots the test image fails at once without it
    [ -f "$TEST_IMAGE" ] && return 0
    echo "run-tests: $1 needs the test image $TEST_IMAGE: run 'make image'" >&2
    counts="not run"
    return 1
}

run_part() {  # part: runs it in this shell, setting verdict and counts
    case "$1" in
        sanity)
            echo "==> sanity (ansible-test)"
            scripts/sanity.sh || verdict="FAILED (exit $?)" ;;
        unit)
            echo "==> unit tests"
            # two pytest workers (pytest-xdist): the unit tests are CPU-bound and each makes its own store
            run_pytest unit tests/unit -n 2 ;;
        integration)
            echo "==> integration tests (real libvirt + QEMU)"
            if needs_image integration; then run_pytest integration tests/integration
            else verdict="FAILED (no test image)"; fi ;;
        api)
            echo "==> REST shim tests (the real openstack CLI and openstacksdk)"
            if needs_image api; then run_pytest api tests/api
            else verdict="FAILED (no test image)"; fi ;;
        security)
            echo "==> adversarial tests (hostile input, crashes; tests/security)"
            if needs_image security; then run_pytest security tests/security
            else verdict="FAILED (no test image)"; fi ;;
        *)
            echo "run-tests: unknown part '$1' (sanity, unit, integration, api, security)" >&2
            exit 2 ;;
    esac
}

# Pairs of parts that run side by side when both are asked: sanity (lint) beside the unit tests; the second part of a pair runs in the background and its output comes
# after the first's. The parts share nothing (each test makes its own store, service port, domain names and
# namespaces), but the guest-booting parts stay one at a time: run side by side on 2 cores (tried: integration
# beside api, 30 + 37 min instead of about 19 + 25) a TCG guest's boot under the doubled load failed a build.
declare -A BESIDE=([unit]=sanity)
requested() { [[ " ${parts[*]} " == *" $1 "* ]]; }
declare -A beside_of=()   # partner -> the part it runs beside, for pairs asked in full
for key in "${!BESIDE[@]}"; do
    if requested "$key" && requested "${BESIDE[$key]}"; then beside_of[${BESIDE[$key]}]=$key; fi
done

bg_part="" bg_pid="" bg_log="" bg_result="" bg_started=0
start_beside() {  # part: starts its partner in the background when that is asked too
    local partner=${BESIDE[$1]:-}
    [ -n "$partner" ] && [ "${beside_of[$partner]:-}" = "$1" ] || return 0
    bg_part=$partner bg_log=$(mktemp) bg_result=$(mktemp) bg_started=$(date +%s)
    ( verdict="" counts=""; run_part "$partner"; printf '%s\n%s\n' "$verdict" "$counts" > "$bg_result" ) \
        > "$bg_log" 2>&1 &
    bg_pid=$!
}
finish_beside() {  # prints the background part's output and records it
    [ -n "$bg_pid" ] || return 0
    wait "$bg_pid" || true
    echo "==> $bg_part ran beside the part above; its output:"
    cat "$bg_log"
    verdict=$(sed -n 1p "$bg_result") counts=$(sed -n 2p "$bg_result")
    [ -s "$bg_result" ] || verdict="FAILED (no result)"
    record "$bg_part" "$verdict" $(( $(date +%s) - bg_started ))
    rm -f "$bg_log" "$bg_result"
    bg_pid=""
}

for part in "${parts[@]}"; do
    [ -z "${beside_of[$part]:-}" ] || continue    # runs in the background beside its pair's first part
    started=$(date +%s)
    counts=""
    verdict=""
    start_beside "$part"
    run_part "$part"
    record "$part" "$verdict" $(( $(date +%s) - started ))
    finish_beside
done

echo
echo "==> summary"
for line in "${summary[@]}"; do echo "    $line"; done
if [ $failed -ne 0 ]; then
    echo "==> FAILED"
    exit 1
fi
echo "==> all passed"
