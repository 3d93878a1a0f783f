"""The REST shim's server listing and in-place changes (instances.page_instances / modify), both backends."""

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1}


def _make(store, count, project='p1'):
    out = []
    with store.begin() as conn:
        for index in range(count):
            out.append(instances.create(conn, {'display_name': 'vm-%02d' % index, 'project_id': project,
                                               'user_id': 'u1', 'flavor': FLAVOR, 'image': {'id': 'img'},
                                               'tags': ['even'] if index % 2 == 0 else None}))
    return out


def test_pages_follow_the_order_and_the_marker(store):
    made = _make(store, 7)
    newest_first = [m['uuid'] for m in reversed(made)]   # same created_at second: id desc breaks the tie
    t = table('instances')
    where = [t.c.project_id == 'p1']
    page, more = instances.page_instances(store, where=where, limit=3)
    assert [p['uuid'] for p in page] == newest_first[:3] and more
    page2, more = instances.page_instances(store, where=where, limit=3, marker=page[-1]['uuid'])
    page3, more3 = instances.page_instances(store, where=where, limit=3, marker=page2[-1]['uuid'])
    assert [p['uuid'] for p in page + page2 + page3] == newest_first and not more3
    asc, _more = instances.page_instances(store, where=where, sort=(('display_name', 'asc'), ('id', 'asc')))
    assert [p['display_name'] for p in asc] == ['vm-%02d' % i for i in range(7)]
    with pytest.raises(InvalidInput) as err:
        instances.page_instances(store, where=where, marker='00000000-0000-0000-0000-000000000000')
    assert err.value.field == 'marker'


def test_keep_predicate_columns_and_deleted(store):
    made = _make(store, 4)
    _make(store, 2, project='p2')
    t = table('instances')
    where = [t.c.project_id == 'p1']
    even, _more = instances.page_instances(store, where=where, keep=lambda r: 'even' in (r.tags or []),
                                           keep_columns=('tags',), columns=('display_name', 'tags'))
    assert sorted(p['display_name'] for p in even) == ['vm-00', 'vm-02']
    assert 'domain_xml' not in even[0] and even[0]['status'] == 'BUILD'
    with store.begin() as conn:
        instances.mark_deleted(conn, made[0]['uuid'])
    live, _m = instances.page_instances(store, where=where)
    gone, _m = instances.page_instances(store, where=where, deleted=True)
    both, _m = instances.page_instances(store, where=where, deleted=None)
    assert (len(live), [g['uuid'] for g in gone], len(both)) == (3, [made[0]['uuid']], 4)


def test_modify_is_read_modify_write_and_refusal_writes_nothing(store):
    inst = _make(store, 1)[0]
    got = instances.modify(store, inst['uuid'], lambda cur: {'metadata': dict(cur['metadata'], a='1')})
    got = instances.modify(store, inst['uuid'], lambda cur: {'metadata': dict(cur['metadata'], b='2')})
    assert got['metadata'] == {'a': '1', 'b': '2'}

    def refuse(_cur):
        raise InvalidInput('metadata', 'no')
    with pytest.raises(InvalidInput):
        instances.modify(store, inst['uuid'], refuse)
    assert instances.get(store, inst['uuid'])['metadata'] == {'a': '1', 'b': '2'}
    with pytest.raises(NotFound):
        instances.modify(store, inst['uuid'], lambda cur: {'metadata': {}}, project_id='other')
