#!/usr/bin/env bash
# `make test`: sanity, unit and integration tests, with a summary at the end.
#   scripts/run-tests.sh                     # all three
#   scripts/run-tests.sh unit integration    # some of them
# Extra pytest arguments: PYTEST_ARGS="-k flavor -x" scripts/run-tests.sh unit
# Exit status is non-zero when any part failed.
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

declare -a summary=()
failed=0
record() {  # name, exit status, seconds
    local verdict=PASSED
    [ "$2" -eq 0 ] || { verdict="FAILED (exit $2)"; failed=1; }
    summary+=("$(printf '%-12s %-18s %5ss' "$1" "$verdict" "$3")")
}

run_pytest() {  # directory
    local dir=$1 rc
    if [ -z "$(find "$dir" -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
        echo "    no tests in $dir yet"
        return 0
    fi
    # shellcheck disable=SC2086  # PYTEST_ARGS is meant to split into arguments
    .venv/bin/python -m pytest -q -p no:cacheprovider --durations=5 "$dir" ${PYTEST_ARGS:-}
    rc=$?
    # 5 = nothing collected: only acceptable for a directory without tests (handled above)
    return $rc
}

for part in "${parts[@]}"; do
    started=$(date +%s)
    case "$part" in
        sanity)
            echo "==> sanity (ansible-test)"
            scripts/sanity.sh; rc=$? ;;
        unit)
            echo "==> unit tests"
            run_pytest tests/unit; rc=$? ;;
        integration)
            echo "==> integration tests (real libvirt + QEMU)"
            run_pytest tests/integration; rc=$? ;;
        api)
            echo "==> REST shim tests (the real openstack CLI and openstacksdk)"
            run_pytest tests/api; rc=$? ;;
        security)
            echo "==> adversarial tests (hostile input, crashes; tests/security)"
            run_pytest tests/security; rc=$? ;;
        *)
            echo "run-tests: unknown part '$part' (sanity, unit, integration, api, security)" >&2
            exit 2 ;;
    esac
    record "$part" "$rc" $(( $(date +%s) - started ))
done

echo
echo "==> summary"
for line in "${summary[@]}"; do echo "    $line"; done
if [ $failed -ne 0 ]; then
    echo "==> FAILED"
    exit 1
fi
echo "==> all passed"
