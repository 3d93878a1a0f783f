"""Converge benchmark: a desired-state file through playbooks/converge.yml vs raw boots, measured in the same run.

    benchmarks/converge/run [--new 20] [--total 50] [--runs 1] [--repeats 3]

On a throw-away SQLite store and the local libvirt it times: a file of
``--new`` new servers (wall time of converge.yml until every one is ACTIVE in
the store and running in libvirt); growing the file to ``--total`` servers; a
no-op re-run over the ``--total`` servers once their guests have booted
(``--repeats`` times; the hosts still confirm every domain); the same with ``--check --diff``; and pruning them all.
The floors: the same number of raw boots (``qemu-img create`` + ``virsh
create`` of the XML novalite defined), one after another and all at once,
and a trivial one-task ansible-playbook run (the fixed cost of any playbook).
``--repo`` measures another checkout (e.g. main) with this script.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))


def _args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--new', type=int, default=20, help='new servers in the first file')
    parser.add_argument('--total', type=int, default=50, help='servers in the grown file (no-op runs)')
    parser.add_argument('--runs', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=3, help='no-op re-runs per run')
    parser.add_argument('--repo', default=os.path.dirname(os.path.dirname(HERE)))
    return parser.parse_args()


ARGS = _args()
sys.path.insert(0, os.path.join(ARGS.repo, 'tests'))
sys.path.insert(0, os.path.join(ARGS.repo, 'collections'))

import yaml  # noqa: E402

from lib.guests import destroy_domains, start_floor_copy  # noqa: E402
from lib.novalite_env import NovaliteEnv, libvirt_state  # noqa: E402

from ansible_collections.novalite.compute.plugins.module_utils import states as S  # noqa: E402
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances  # noqa: E402


def _file(env, names, prune=False):
    path = os.path.join(env.root, 'servers-%s.yml' % uuid.uuid4().hex[:6])
    with open(path, 'w') as f:
        yaml.safe_dump({'name': 'bench', 'prune': prune,
                        'servers': [{'name': n, 'flavor': 'm1.tiny', 'image': 'novalite-test', 'state': 'running'}
                                    for n in names]}, f)
    return path


def _timed(env, *args, **extra):
    start = time.time()
    run = env.playbook('converge.yml', *args, **extra)
    wall = time.time() - start
    if run.rc != 0 or run.failed:
        raise RuntimeError(run.output[-4000:])
    return wall, run


def _all_active(env, names):
    rows = dict((r['display_name'], r) for r in instances.list_instances(env.store()))
    bad = [n for n in names if n not in rows or rows[n]['vm_state'] != S.ACTIVE
           or libvirt_state(rows[n]['uuid']) != 'running']
    if bad:
        raise RuntimeError('not ACTIVE and running after the run: %s' % ', '.join(bad))
    return rows


def _floor(env, servers, parallel):
    xmls = [s['domain_xml'] for s in servers]
    start = time.time()
    if parallel:
        with futures.ThreadPoolExecutor(len(xmls)) as pool:
            made = list(pool.map(lambda xml: start_floor_copy(xml, env.root), xmls))
    else:
        made = [start_floor_copy(xml, env.root) for xml in xmls]
    wall = time.time() - start
    destroy_domains([m[0] for m in made])
    return wall


def _trivial(env):
    path = os.path.join(env.root, 'trivial.yml')
    with open(path, 'w') as f:
        yaml.safe_dump([{'name': 'trivial', 'hosts': 'localhost', 'gather_facts': False,
                         'tasks': [{'name': 'one task', 'ansible.builtin.debug': {'msg': 'hi'}}]}], f)
    start = time.time()
    env.playbook(path)
    return time.time() - start


def _room_for(env, count):
    """One 2-core host holds 32 vCPUs at Nova's default ratio: let it take ``count`` m1.tiny servers."""
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    ratio = max(16.0, float(count))
    with open(env.inventory) as f:
        inventory = yaml.safe_load(f)
    for host in inventory['all']['children']['compute']['hosts'].values():
        host['novalite_cpu_allocation_ratio'] = ratio
    with open(env.inventory, 'w') as f:
        yaml.safe_dump(inventory, f)
    with env.store().begin() as conn:
        conn.execute(table('compute_nodes').update().values(cpu_allocation_ratio=ratio))


def one_run(env, index):
    first = ['b%d-%02d' % (index, i) for i in range(ARGS.new)]
    grown = first + ['b%d-%02d' % (index, i) for i in range(ARGS.new, ARGS.total)]
    new_wall, _run = _timed(env, desired_state_file=_file(env, first))
    rows = _all_active(env, first)
    grow_wall, _run = _timed(env, desired_state_file=_file(env, grown))
    rows = _all_active(env, grown)
    # TCG guests booting take both cores for minutes: the no-op runs measure the steady state
    for name in grown:
        env.wait_for_console(rows[name], timeout=900)
    path = _file(env, grown)
    noops = []
    for _repeat in range(ARGS.repeats):
        wall, run = _timed(env, desired_state_file=path)
        if run.changed:
            raise RuntimeError('the no-op re-run changed %d: %s' % (run.changed, run.output[-3000:]))
        noops.append(wall)
    check_wall, _run = _timed(env, '--check', '--diff', desired_state_file=path)
    servers = [env.server(rows[n]['uuid']) for n in first]
    floor_seq = _floor(env, servers, parallel=False)
    floor_par = _floor(env, servers, parallel=True)
    prune_wall, _run = _timed(env, desired_state_file=_file(env, [], prune=True))
    left = [r['display_name'] for r in instances.list_instances(env.store())]
    if left:
        raise RuntimeError('prune left %s' % left)
    return {'new': new_wall, 'grow': grow_wall, 'noop': statistics.median(noops), 'check': check_wall,
            'prune': prune_wall, 'floor_seq': floor_seq, 'floor_par': floor_par, 'trivial': _trivial(env)}


def main():
    store_dir = tempfile.mkdtemp(prefix='bench-converge-', dir='/var/lib/novalite')
    env = NovaliteEnv('sqlite:///%s/novalite.db' % store_dir)
    rows = []
    try:
        env.setup()
        _room_for(env, ARGS.total)
        for index in range(ARGS.runs):
            row = one_run(env, index)
            rows.append(row)
            print('run %d: %s' % (index + 1, ', '.join('%s %.2fs' % kv for kv in sorted(row.items()))),
                  file=sys.stderr)
    finally:
        env.cleanup()
        shutil.rmtree(store_dir, ignore_errors=True)

    def med(key):
        return statistics.median(r[key] for r in rows)
    print()
    print('converge.yml on one host (test image, m1.tiny, SQLite), median of %d run(s), repo %s'
          % (len(rows), ARGS.repo))
    print('| measure | novalite | floor | ratio |')
    print('|---|---:|---:|---:|')
    print('| %d new servers, until all ACTIVE | %.2f s | %.2f s (%d raw boots one after another) | %.1fx |'
          % (ARGS.new, med('new'), med('floor_seq'), ARGS.new, med('new') / med('floor_seq')))
    print('| the same, floor all at once | | %.2f s (%d raw boots in parallel) | %.1fx |'
          % (med('floor_par'), ARGS.new, med('new') / med('floor_par')))
    print('| file grown to %d (%d new) | %.2f s | | |' % (ARGS.total, ARGS.total - ARGS.new, med('grow')))
    print('| no-op re-run over %d servers (median of %d) | %.2f s | %.2f s (trivial one-task playbook) | %.1fx |'
          % (ARGS.total, ARGS.repeats, med('noop'), med('trivial'), med('noop') / med('trivial')))
    print('| --check --diff over %d servers | %.2f s | %.2f s | %.1fx |'
          % (ARGS.total, med('check'), med('trivial'), med('check') / med('trivial')))
    print('| prune all %d | %.2f s | | |' % (ARGS.total, med('prune')))


if __name__ == '__main__':
    main()
