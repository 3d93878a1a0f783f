#!/usr/bin/env bash
# `make up`: turn a fresh Debian 12 machine (root, no systemd needed) into a
# working novalite controller + compute host, then run the demo playbook.
# Idempotent and cheap on a second run.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
export DEBIAN_FRONTEND=noninteractive
PYTHON=${PYTHON:-python3}
STEP="start"

step() { STEP=$1; echo "==> $1"; }
trap 'rc=$?; [ $rc -eq 0 ] || echo "setup: FAILED at step: $STEP (exit $rc)" >&2' EXIT

[ "$(id -u)" -eq 0 ] || { echo "setup: run as root (installs packages, starts libvirtd)" >&2; exit 1; }

step "Debian packages (bindep.txt)"
# every [platform:dpkg] entry: this is a development/test machine, so the [test] profile too
wanted=$(sed -e 's/#.*//' bindep.txt | awk 'NF && /platform:dpkg/ { print $1 }')
missing=()
for pkg in $wanted; do
    status=$(dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "    installing: ${missing[*]}"
    # fresh lists: stale ones can name versions the mirror no longer has
    apt-get update -qq
    sshd_before=$(cat /run/sshd.pid 2>/dev/null || true)
    # with recommends, as TESTING.md's verified recipe (libvirt's and QEMU's firmware and helpers)
    apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "    all present"
fi
# openssh-server is there for the namespaced test hosts' own sshds: none belongs in this machine's
# namespace. Where policy-rc.d lets its postinst start one, stop that one (the one this install
# started, by its PID file; an sshd that ran before is the machine owner's and stays).
if [ ${#missing[@]} -gt 0 ] && [ -s /run/sshd.pid ] && [ "$(cat /run/sshd.pid)" != "${sshd_before:-}" ] \
        && [ "$(readlink "/proc/$(cat /run/sshd.pid)/exe" 2>/dev/null)" = /usr/sbin/sshd ]; then
    echo "    stopping the sshd openssh-server's install started (pid $(cat /run/sshd.pid))"
    kill "$(cat /run/sshd.pid)"
fi

step "Python virtualenv (.venv)"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
req_hash=$(cat requirements.txt requirements-test.txt | sha256sum | cut -d' ' -f1)
stamp=.venv/.novalite-requirements
if [ "$(cat "$stamp" 2>/dev/null)" != "$req_hash" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r requirements-test.txt
    echo "$req_hash" > "$stamp"
else
    echo "    requirements unchanged"
fi

step "MariaDB (optional: SQLite is the default store)"
if [ -x /usr/sbin/mariadbd ]; then
    # mariadbd switches to user mysql itself (Debian's 50-server.cnf: user = mysql);
    # its socket dir is normally made by systemd/init scripts, which do not run here
    install -d -o mysql -g mysql -m 0755 /run/mysqld
    start-stop-daemon --start --oknodo --quiet --background --exec /usr/sbin/mariadbd
    tcp_ping() { mysqladmin --protocol=tcp -h 127.0.0.1 -u root ping >/dev/null 2>&1; }
    socket_ping() { mysqladmin -u root ping >/dev/null 2>&1; }
    for _ in $(seq 1 60); do
        socket_ping && break
        sleep 0.5
    done
    socket_ping || { echo "setup: MariaDB did not start" >&2; exit 1; }
    if ! tcp_ping; then
        # Debian's root is unix_socket only; the tests connect as root@127.0.0.1
        # without a password (loopback only, a development/CI machine).
        echo "    allowing root@127.0.0.1 without password for the tests"
        mysql -u root -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
                          GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
                          CREATE DATABASE IF NOT EXISTS test;"
    fi
    tcp_ping || { echo "setup: MariaDB does not answer on 127.0.0.1:3306 as root" >&2; exit 1; }
    echo "    answering on 127.0.0.1:3306"
else
    echo "    not installed; using SQLite"
fi

step "libvirt daemons"
scripts/start-libvirt.sh

step "novalite directories"
# QEMU runs as libvirt-qemu: every directory on the way to a disk must be traversable
install -d -m 0755 /var/lib/novalite /var/lib/novalite/images /var/lib/novalite/instances
install -d -m 1777 /var/lib/novalite/test-tmp

step "test image"
# the kernel comes from the Debian archive: the package lists must know it
if ! apt-cache policy linux-image-cloud-amd64 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get update -qq
fi
scripts/build-test-image.sh >/dev/null

step "compute host service (roles/compute_host: directories, libvirt check, periodic report)"
# This machine is a compute host too: like nova-compute, it reports its own heartbeat (every 10 s)
# and capacity (every 60 s), so a playbook run at any time finds it up. Without systemd the role
# starts one loop process (PID file /run/novalite/compute-report.pid); a second run finds it.
if [ -f playbooks/compute_host.yml ]; then
    ANSIBLE_COLLECTIONS_PATH="$REPO/collections" .venv/bin/ansible-playbook -i inventory/localhost.yml \
        playbooks/compute_host.yml -e compute_host_collections_path="$REPO/collections"
fi

step "demo playbook"
if [ -f playbooks/demo.yml ] && [ -f inventory/localhost.yml ]; then
    ANSIBLE_COLLECTIONS_PATH="$REPO/collections" .venv/bin/ansible-playbook -i inventory/localhost.yml playbooks/demo.yml
else
    echo "    NOTE: playbooks/demo.yml or inventory/localhost.yml does not exist yet; skipped"
fi

STEP="done"
echo "==> novalite is up"
