"""The aggregate module end to end through its argument spec (in-process, as the action plugin runs it):
idempotence, check mode, diff mode, and a refusal that names the field and changes nothing."""

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.registry import aggregates, hosts
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
from ansible_collections.novalite.compute.plugins.plugin_utils.in_process import module_definition, run_in_process


@pytest.fixture
def db(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'store.db')
    store = Store(url)
    for name in ('hv1', 'hv2'):
        hosts.record(store, name, {'hostname': name, 'vcpus': 2, 'memory_mb': 2048, 'local_gb': 10})
    store.dispose()
    return url


def run(db, check_mode=False, **args):
    return run_in_process('aggregate', module_definition('aggregate'), dict(args, database_url=db),
                          check_mode=check_mode, diff_mode=True)


def test_module_is_idempotent_with_check_and_diff(db):
    wanted = dict(name='rack1', availability_zone='az1', hosts=['hv1'], metadata={'ssd': 'true'})
    checked = run(db, check_mode=True, **wanted)
    assert checked['changed'] and checked['diff']['before'] == {}
    assert checked['diff']['after']['hosts'] == ['hv1']
    assert aggregates.list_aggregates(Store(db)) == []
    made = run(db, **wanted)
    assert made['changed'] and made['aggregate']['availability_zone'] == 'az1'
    assert hosts.get_node(Store(db), 'hv1')['availability_zone'] == 'az1'
    again = run(db, **wanted)
    assert not again['changed'] and again['diff']['before'] == again['diff']['after']
    assert not run(db, check_mode=True, **wanted)['changed']
    gone = run(db, name='rack1', state='absent')
    assert gone['changed'] and gone['aggregate'] is None
    assert hosts.get_node(Store(db), 'hv1')['availability_zone'] == 'nova'


def test_refusal_names_the_field_and_changes_nothing(db):
    run(db, name='a', availability_zone='az1', hosts=['hv1'])
    out = run(db, name='b', availability_zone='az2', hosts=['hv1', 'hv2'], metadata={'k': 'v'})
    assert out['failed'] and 'One or more hosts already in availability zone(s)' in out['msg']
    assert out.get('field') == 'availability_zone'
    assert [a['name'] for a in aggregates.list_aggregates(Store(db))] == ['a']
    out = run(db, name='c', hosts=['nowhere'])
    assert out['failed'] and out.get('field') == 'host' and 'nowhere' in out['msg']
    out = run(db, name='d', metadata={'bad/key': 'v'})
    assert out['failed'] and out.get('field') == 'metadata'
