"""Boot benchmark: one server through the playbook vs the bare floor, measured in the same run.

    benchmarks/boot/run [--runs N]

For each run it boots the test image with playbooks/server.yml (SQLite state
store, local libvirt) and reports: the whole playbook wall time; the time
inside the host-side ``instance`` module (image cache + disks + define +
start); the time from the playbook's start to the guest's boot line on its
serial console. The floor is the same domain started by hand: ``qemu-img
create`` of the overlay plus ``virsh create`` of the XML novalite defined,
and the time from that to the same console line. Then it prints medians and
ratios. The first boot on a host also copies the image into _base: that
"cold" boot is shown on its own row.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests'))
sys.path.insert(0, os.path.join(REPO, 'collections'))

from lib.guests import destroy_domains, start_floor_copy  # noqa: E402
from lib.novalite_env import BOOT_LINE, NovaliteEnv  # noqa: E402

# the host call runs in a loop: its line carries the item label before the result
RESULT = re.compile(r'^(?:changed|ok): \[[^\]]+\](?: => \(item=.*?\))? => (\{.*"spawn_timing".*\})\s*$', re.M)


def _wait_line(path, start, timeout=120):
    while time.time() - start < timeout:
        try:
            with open(path, 'rb') as f:
                if BOOT_LINE.encode() in f.read():
                    return time.time() - start
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError('no boot line in %s' % path)


def boot_through_playbook(env, name):
    env.heartbeat()     # the periodic resource report keeps the host "up" (service_down_time 60 s)
    start = time.time()
    run = env.playbook('server.yml', '-v', server_name=name, flavor='m1.tiny', image='novalite-test')
    wall = time.time() - start
    if run.rc != 0:
        raise RuntimeError(run.output[-3000:])
    match = RESULT.search(run.output)
    module = json.loads(match.group(1)) if match else {}
    # the instances module (a host's calls at once) carries each call's own result in `results`
    call = (module.get('results') or [module])[0]
    server = env.server(name)
    to_line = _wait_line(env.console_log(server), start)
    return {'wall': wall, 'module': module.get('timing'), 'spawn': call.get('spawn_timing', {}),
            'to_line': to_line, 'copied': call.get('bases_copied'), 'virt_type': call.get('virt_type'),
            'server': server}


def floor(env, server):
    """The same domain by hand: overlay + virsh create of the XML novalite defined."""
    start = time.time()
    ident, log, created = start_floor_copy(server['domain_xml'], env.root)
    to_line = _wait_line(log, start)
    destroy_domains([ident])
    return {'created': created, 'to_line': to_line}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    env = NovaliteEnv('sqlite:////var/lib/novalite/bench-boot-%s.db' % uuid.uuid4().hex[:8])
    rows = []
    try:
        env.setup()
        cold = boot_through_playbook(env, 'bench-cold')
        env.must('server.yml', server_name='bench-cold', server_state='absent')
        for i in range(args.runs):
            warm = boot_through_playbook(env, 'bench-%d' % i)
            fl = floor(env, warm['server'])
            env.must('server.yml', server_name='bench-%d' % i, server_state='absent')
            rows.append((warm, fl))
            print('run %d: playbook %.2fs, host module %.2fs, to boot line %.2fs | floor create %.2fs, '
                  'to boot line %.2fs' % (i + 1, warm['wall'], warm['module'] or 0, warm['to_line'],
                                          fl['created'], fl['to_line']), file=sys.stderr)
    finally:
        env.cleanup()
        db = env.db_url.replace('sqlite:///', '')
        for suffix in ('', '-wal', '-shm'):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)

    med = statistics.median
    wall = med([warm['wall'] for warm, _floor in rows])
    module = med([warm['module'] or 0 for warm, _floor in rows])
    line = med([warm['to_line'] for warm, _floor in rows])
    f_create = med([floor['created'] for _warm, floor in rows])
    f_line = med([floor['to_line'] for _warm, floor in rows])
    print()
    print('boot of one m1.tiny server (test image, %s), median of %d, image already cached'
          % (rows[0][0]['virt_type'], len(rows)))
    print('| measure | novalite | floor (qemu-img create + virsh create) | ratio |')
    print('|---|---:|---:|---:|')
    print('| playbook server.yml, wall | %.2f s | %.2f s | %.1fx |' % (wall, f_create, wall / f_create))
    print('| host module (cache+disk+define+start) | %.2f s | %.2f s | %.1fx |' % (module, f_create, module / f_create))
    print('| start of run to guest boot line | %.2f s | %.2f s | %.1fx |' % (line, f_line, line / f_line))
    spawn = rows[0][0]['spawn'] or {}
    if spawn:
        split = ', '.join('%s %.3fs' % (k, v) for k, v in sorted(spawn.items()) if isinstance(v, (int, float)))
        print('| spawn split (first warm run) | %s | | |' % split)
    print('| cold boot (first on host, copies %s bytes into _base): playbook wall | %.2f s | | |'
          % (cold['copied'], cold['wall']))
    print('| bytes copied into _base on warm boots | %s | | |' % ', '.join(str(warm['copied']) for warm, _floor in rows))


if __name__ == '__main__':
    main()
