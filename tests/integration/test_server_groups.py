"""Server groups on real instances: anti-affinity spreads members, then says why nothing fits."""

import os

import pytest

from lib.novalite_env import TEST_IMAGE, libvirt_state

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import server_groups

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]

HOSTS = ('h1', 'h2')


def test_anti_affinity_group_spreads_then_refuses(env):
    server_groups.ensure(env.store(), 'web', 'anti-affinity')
    for name in ('sg-1', 'sg-2'):
        env.must('server.yml', server_name=name, flavor='m1.tiny', image='novalite-test', server_group='web')
    first, second = env.server('sg-1'), env.server('sg-2')
    assert {first['host'], second['host']} == set(HOSTS)
    assert libvirt_state(first['uuid']) == libvirt_state(second['uuid']) == 'running'

    third = env.playbook('server.yml', server_name='sg-3', flavor='m1.tiny', image='novalite-test',
                         server_group='web')
    assert third.rc != 0 and 'ServerGroupAntiAffinityFilter removed 2' in third.output
    refused = env.server('sg-3')
    assert refused['status'] == 'ERROR' and refused['host'] is None
    assert 'ServerGroupAntiAffinityFilter' in instances.latest_fault(env.store(), refused['uuid'])['details']
