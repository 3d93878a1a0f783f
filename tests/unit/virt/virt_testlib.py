"""Helpers for the virt tests: tiny real images made with qemu-img, instance specs."""

import hashlib
import os
import subprocess
import uuid


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def make_qcow2(path, size='16M', pattern=None):
    subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2', str(path), size])
    if pattern is not None:
        # Real data in the image so conversions and checksums have something to carry.
        subprocess.check_call(['qemu-io', '-f', 'qcow2', '-c', 'write -P %d 0 1M' % pattern, str(path)],
                              stdout=subprocess.DEVNULL)
    return str(path)


def image_spec(path, **extra):
    spec = {'id': str(uuid.uuid4()), 'name': 'tiny', 'disk_format': 'qcow2', 'location': str(path),
            'sha256': sha256_of(path), 'min_disk': 0, 'properties': {}}
    spec.update(extra)
    return spec


def instance_spec(image, **flavor):
    u = str(uuid.uuid4())
    fl = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 64, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}}
    fl.update(flavor)
    return {'uuid': u, 'name': 'instance-t%s' % u[:8], 'display_name': 'vm-%s' % u[:8],
            'project_id': 'p1', 'user_id': 'u1', 'created_at': '2026-11-23T18:29:05Z',
            'flavor': fl, 'image': image, 'network_info': [], 'metadata': {}}


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def run_tasks(tasks, tmpdir, check=False, diff=False):
    """Run ``tasks`` (list of (module, args) or (module, args, {'check_mode': .., 'diff': ..}))
    in ONE real ansible-playbook run on localhost; returns the registered results in order.

    Each task ignores errors so a failing module's result (msg, field, error) is returned too.
    """
    import json
    play_tasks = []
    for i, task in enumerate(tasks):
        module, args = task[0], task[1]
        opts = task[2] if len(task) > 2 else {}
        t = {'name': 'step %d' % i, 'novalite.compute.%s' % module: args, 'register': 'r%d' % i,
             'ignore_errors': True}
        t.update(opts)
        play_tasks.append(t)
    results_file = os.path.join(str(tmpdir), 'results-%s.json' % uuid.uuid4().hex)
    play_tasks.append({'name': 'collect', 'ansible.builtin.copy': {
        'content': '{{ [%s] | to_json }}' % ', '.join('r%d' % i for i in range(len(tasks))),
        'dest': results_file}, 'check_mode': False})
    playbook = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': play_tasks}]
    path = os.path.join(str(tmpdir), 'play-%s.yml' % uuid.uuid4().hex)
    with open(path, 'w') as f:
        json.dump(playbook, f)  # JSON is YAML
    cmd = [os.path.join(REPO, '.venv', 'bin', 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
           '-e', 'ansible_python_interpreter=%s' % os.path.join(REPO, '.venv', 'bin', 'python'), path]
    if check:
        cmd.append('--check')
    if diff:
        cmd.append('--diff')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'collections'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_RETRY_FILES_ENABLED='0')
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, check=False)
    assert os.path.exists(results_file), proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(results_file) as f:
        out = json.load(f)
    os.unlink(results_file)
    os.unlink(path)
    return out
