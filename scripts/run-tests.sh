#!/usr/bin/env bash
# `make test`: sanity, unit and integration tests, with a summary at the end.
#   scripts/run-tests.sh                     # all three
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

run_pytest() {  # part, directory: sets verdict ("" when it passed) and counts
    local part=$1 dir=$2 rc summary_rc report
    report="$RESULTS/$part.xml"
    rm -f "$report"
    # shellcheck disable=SC2086  # PYTEST_ARGS is meant to split into arguments
    .venv/bin/python -m pytest -q -p no:cacheprovider --durations=5 -rs --junitxml="$report" "$dir" \
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

# Sanity (ansible-test, mostly lint) runs beside the unit tests when both are asked: the unit tests leave
# one of the two cores mostly idle, so this saves sanity's whole time. Its output comes when it is done.
sanity_log="" sanity_pid="" sanity_started=0
if [[ " ${parts[*]} " == *" sanity "* && " ${parts[*]} " == *" unit "* ]]; then
    sanity_log=$(mktemp)
    sanity_started=$(date +%s)
    scripts/sanity.sh > "$sanity_log" 2>&1 &
    sanity_pid=$!
fi
finish_sanity() {  # prints the background sanity run's output and records it
    [ -n "$sanity_pid" ] || return 0
    local verdict="" rc
    wait "$sanity_pid"
    rc=$?
    echo "==> sanity (ansible-test, ran beside the unit tests)"
    cat "$sanity_log"
    rm -f "$sanity_log"
    [ $rc -eq 0 ] || verdict="FAILED (exit $rc)"
    counts=""
    record sanity "$verdict" $(( $(date +%s) - sanity_started ))
    sanity_pid=""
}

for part in "${parts[@]}"; do
    started=$(date +%s)
    counts=""
    verdict=""
    case "$part" in
        sanity)
            [ -z "$sanity_pid" ] || continue    # running in the background: recorded after the unit tests
            echo "==> sanity (ansible-test)"
            scripts/sanity.sh || verdict="FAILED (exit $?)" ;;
        unit)
            echo "==> unit tests"
            run_pytest unit tests/unit
            record unit "$verdict" $(( $(date +%s) - started ))
            finish_sanity
            continue ;;
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
            echo "run-tests: unknown part '$part' (sanity, unit, integration, api, security)" >&2
            exit 2 ;;
    esac
    record "$part" "$verdict" $(( $(date +%s) - started ))
done
finish_sanity

echo
echo "==> summary"
for line in "${summary[@]}"; do echo "    $line"; done
if [ $failed -ne 0 ]; then
    echo "==> FAILED"
    exit 1
fi
echo "==> all passed"
