"""ansible-playbook on localhost with this checkout's collection and the test interpreter (no inventory file)."""

import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)


def env():
    """The environment of an ansible-playbook or ansible-doc run: this collection, no colours, no store URL."""
    out = dict(os.environ)
    out.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'collections'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    out.pop('NOVALITE_DATABASE_URL', None)
    return out


def playbook(path, *args):
    """Run ansible-playbook; returns (recap counts dict, full output)."""
    cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,',
           '-e', 'ansible_python_interpreter=%s' % sys.executable, path] + list(args)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env(), timeout=300, check=False)
    out = proc.stdout.decode('utf-8', 'replace')
    match = re.search(r'localhost\s*:\s*(.*)', out.split('PLAY RECAP')[-1])
    assert match, out
    recap = dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', match.group(1)))
    recap['rc'] = proc.returncode
    return recap, out
