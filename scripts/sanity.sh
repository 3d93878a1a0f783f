#!/usr/bin/env bash
# `make sanity`: ansible-test sanity on a copy of the tree laid out as
# <tmp>/ansible_collections/novalite/compute (ansible-test insists on that
# layout), Python 3.11 only. Extra arguments go to ansible-test, e.g.
#   scripts/sanity.sh --test pep8
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ -x "$REPO/.venv/bin/python" ] || { echo "sanity: .venv missing (run make up)" >&2; exit 1; }

# ansible-test's own --venv mode bootstraps pip from the internet (get-pip.py),
# which these machines cannot reach. Instead keep one venv with exactly the
# tool versions this ansible-test pins (its sanity.*.txt files), installed with
# the ordinary pip, cached in .cache/ and rebuilt when ansible-core changes.
SANITY_VENV="$REPO/.cache/sanity-venv"
core_version=$("$REPO/.venv/bin/python" -c 'import ansible; print(ansible.__version__)')
requirements_dir=$("$REPO/.venv/bin/python" -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_data", "requirements"))')
sanity_tests="ansible-doc import pep8 pylint runtime-metadata validate-modules yamllint"
stamp_value="ansible-core==$core_version $(cd "$requirements_dir" && cat $(for t in $sanity_tests; do echo "sanity.$t.txt"; done) | sha256sum | cut -c1-16)"
if [ "$(cat "$SANITY_VENV/.novalite-stamp" 2>/dev/null)" != "$stamp_value" ]; then
    echo "sanity: preparing $SANITY_VENV (ansible-core $core_version)"
    rm -rf "$SANITY_VENV"
    mkdir -p "$REPO/.cache"
    "$REPO/.venv/bin/python" -m venv "$SANITY_VENV"
    "$SANITY_VENV/bin/python" -m pip install -q "ansible-core==$core_version" \
        $(for t in $sanity_tests; do echo "-r $requirements_dir/sanity.$t.txt"; done) 2>&1 \
        | grep -v "^WARNING: Location" || true
    "$SANITY_VENV/bin/python" -c 'import pylint, yamllint, voluptuous, pycodestyle' \
        || { echo "sanity: installing the sanity tools failed" >&2; exit 1; }
    echo "$stamp_value" > "$SANITY_VENV/.novalite-stamp"
fi
ANSIBLE_TEST="$SANITY_VENV/bin/ansible-test"

# ansible-test still makes a small venv per sanity test (~/.ansible/test/venv) and
# bootstraps pip in it with a get-pip.py it downloads. Offline, give it a
# bootstrap that installs pip with our sanity venv's pip and the
# machine's configured package index. A real get-pip.py already cached is kept.
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',.*/\1/p" \
    "$SANITY_VENV"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | head -n 1)
if [ -n "$pip_version" ]; then
    get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    # replace only our own stand-in (it names the sanity venv), never a real get-pip.py
    if [ ! -f "$get_pip" ] || grep -q 'novalite stand-in' "$get_pip"; then
        mkdir -p "$(dirname "$get_pip")"
        cat > "$get_pip" <<'PY'
# novalite stand-in for get-pip.py (written by scripts/sanity.sh): the modern
# pip of novalite's sanity venv installs the requested pip into this venv, using
# the machine's pip configuration (index, proxy, certificates).
import subprocess
import sys

SANITY_PYTHON = '@SANITY_PYTHON@'
GET_PIP_ONLY = ('--no-setuptools', '--no-wheel')
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
sys.exit(subprocess.call([SANITY_PYTHON, '-m', 'pip', '--python', sys.executable, 'install', '--quiet'] + args))
PY
        sed -i "s|@SANITY_PYTHON@|$SANITY_VENV/bin/python|" "$get_pip"
    fi
fi

tmp=$(mktemp -d /tmp/novalite-sanity.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dest="$tmp/ansible_collections/novalite/compute"
mkdir -p "$dest"

# Tracked plus untracked-but-not-ignored files: what the lead would commit.
cd "$REPO"
git ls-files -z --cached --others --exclude-standard \
    | grep -zv -e '^collections/' -e '^\.venv/' -e '^\.cache/' -e '^tests/output/' \
    | while IFS= read -r -d '' path; do [ -e "$path" ] && printf '%s\0' "$path"; done \
    | tar -c --null -T - -f - | tar -x -C "$dest"

# novalite is Apache-2.0 (LICENSE; every file's header says so), but validate-modules
# demands a GPLv3 header in every module/plugin. That one check cannot pass for
# this license, so it is ignored for every module and plugin file in the copy
# (generated, so new modules need no edits); everything else stays enforced.
core_minor=${core_version%.*}
ignore_file="$dest/tests/sanity/ignore-$core_minor.txt"
mkdir -p "$(dirname "$ignore_file")"
( cd "$dest" && find plugins/modules plugins/inventory -name '*.py' ! -name '__init__.py' 2>/dev/null | sort ) \
    | while read -r plugin; do
        grep -qs "^$plugin validate-modules:missing-gplv3-license" "$ignore_file" \
            || echo "$plugin validate-modules:missing-gplv3-license # Apache-2.0 collection, see LICENSE"
    done >> "$ignore_file"

# ansible-test lists a collection's files through git when it is a git tree;
# a fresh repo with everything added keeps that list equal to the copy.
( cd "$dest" && git init -q && git add -A >/dev/null && \
  git -c user.name=sanity -c user.email=sanity@invalid commit -q -m sanity )

cd "$dest"
# --local: run the tools from the sanity venv above (PATH first so its python3.11 is the one found).
# Skipped: 'shellcheck' would need the shellcheck binary only for our bash
# scripts, which are not collection content. Everything else runs.
export PATH="$SANITY_VENV/bin:$PATH"
set +e
"$ANSIBLE_TEST" sanity --local --python 3.11 --color no --skip-test shellcheck "$@"
rc=$?
set -e
if [ $rc -eq 0 ]; then
    echo "sanity: PASSED"
else
    echo "sanity: FAILED (ansible-test exit $rc)"
fi
exit $rc
