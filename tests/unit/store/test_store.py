"""The state store: migrations, backends, bad URLs, concurrent writers."""

import multiprocessing

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ansible_collections.novalite.compute.plugins.module_utils.errors import DatabaseError, InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.store import migrations, schema
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store, utcnow


def _schema_diff(store):
    def ignore_version_table(obj, name, type_, reflected, compare_to):
        return name != migrations.VERSION_TABLE
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={'include_object': ignore_version_table,
                                                     'compare_type': True})
        return compare_metadata(ctx, schema.metadata)


def _triggers(store):
    with store.engine.connect() as conn:
        if store.engine.dialect.name == 'sqlite':
            rows = conn.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        else:
            rows = conn.execute(sa.text('SELECT trigger_name, action_statement FROM information_schema.triggers'
                                        ' WHERE trigger_schema = DATABASE()')).all()
    return sorted(tuple(row) for row in rows)


def test_fresh_database_matches_schema(store):
    assert _schema_diff(store) == []
    with store.read() as conn:
        assert migrations.current_version(conn) == migrations.head_version()
    # made at head in one step: the same triggers as a database walked through every version has
    assert _triggers(store) and _triggers(store) == _walked_triggers(store)


def _walked_triggers(fresh):
    """The triggers of a second database of the same backend brought up version by version."""
    url = fresh.engine.url
    from lib.databases import mysql_admin
    url = fresh.engine.url
    sqlite = url.get_backend_name() == 'sqlite'
    name = url.database + '_w'
    if sqlite:
        other_url = str(url).replace('.db', '-walked.db')
    else:
        mysql_admin('CREATE DATABASE %s CHARACTER SET utf8mb4' % name)
        other_url = url.set(database=name).render_as_string(hide_password=False)
    walked = Store(other_url, migrate=False)
    try:
        for version in range(1, migrations.head_version() + 1):
            walked.upgrade(version)
        return _triggers(walked)
    finally:
        walked.dispose()
        if not sqlite:
            mysql_admin('DROP DATABASE IF EXISTS %s' % name)


def test_upgrade_in_place_keeps_rows(db_url):
    old = Store(db_url, migrate=False)
    assert old.upgrade(1) == (0, 1)
    now = utcnow()
    with old.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO flavors (flavorid, name, vcpus, memory_mb, root_gb, ephemeral_gb, swap, rxtx_factor,"
            " is_public, disabled, extra_specs, created_at) VALUES ('1', 'm1.tiny', 1, 512, 1, 0, 0, 1.0,"
            " 1, 0, '{}', :now)"), {'now': now})
        conn.execute(sa.text(
            "INSERT INTO instances (uuid, display_name, flavor, vm_state, power_state, locked, metadata,"
            " system_metadata, scheduler_hints, network_info, launch_index, created_at, deleted)"
            " VALUES ('11111111-1111-1111-1111-111111111111', 'old', '{}', 'active', 1, 0, '{}', '{}', '{}',"
            " '[]', 0, :now, 0)"), {'now': now})
        cols = [c['name'] for c in sa.inspect(conn).get_columns('instances')]
        assert 'locked_reason' not in cols
        assert not sa.inspect(conn).has_table('server_groups')
    old.dispose()

    new = Store(db_url)     # opening at head upgrades in place
    assert _schema_diff(new) == []
    with new.read() as conn:
        assert migrations.current_version(conn) == migrations.head_version()
        row = conn.execute(sa.text("SELECT display_name, vm_state, locked_reason FROM instances")).one()
        assert tuple(row) == ('old', 'active', None)
        assert conn.execute(sa.text("SELECT name FROM flavors")).scalar() == 'm1.tiny'
    assert new.upgrade() == (migrations.head_version(), migrations.head_version())
    new.dispose()


def test_newer_database_is_refused(db_url):
    store = Store(db_url)
    with store.begin() as conn:
        conn.execute(sa.text('UPDATE %s SET version = 999' % migrations.VERSION_TABLE))
    with pytest.raises(RuntimeError, match='newer'):
        store.upgrade()
    store.dispose()


@pytest.mark.parametrize('url,field_reason', [
    ('postgresql://x@127.0.0.1/db', 'unsupported backend'),
    ('not a url at all', 'cannot parse'),
])
def test_bad_url_names_the_field(url, field_reason):
    with pytest.raises(InvalidInput) as err:
        Store(url)
    assert err.value.field == 'database_url'
    assert field_reason in err.value.message


def test_unreachable_mysql_is_one_clear_line():
    # 127.0.0.1:1 refuses at once: no traffic leaves the machine.
    with pytest.raises(DatabaseError) as err:
        Store('mysql+pymysql://root@127.0.0.1:1/novalite')
    assert err.value.field == 'database_url'
    assert 'cannot connect' in err.value.message and '\n' not in err.value.message


def test_unwritable_sqlite_path(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    with pytest.raises(DatabaseError) as err:
        Store('sqlite:///%s/sub/novalite.db' % blocker)
    assert err.value.field == 'database_url'


def _writer(db_url, worker, count, for_update):
    """Read-modify-write of a shared counter: lost updates would show up in the total."""
    store = Store(db_url, migrate=False)
    services = schema.table('services')
    for i in range(count):
        with store.begin() as conn:
            query = sa.select(services.c.report_count).where(services.c.host == 'shared')
            value = conn.execute(query.with_for_update() if for_update else query).scalar()
            conn.execute(services.update().where(services.c.host == 'shared').values(report_count=value + 1))
            conn.execute(schema.table('keypairs').insert().values(
                name='k-%d-%d' % (worker, i), user_id='u', type='ssh', fingerprint='f', public_key='k',
                created_at=utcnow()))
    store.dispose()


@pytest.mark.parametrize('for_update', [True, False], ids=['for-update', 'plain'])
def test_concurrent_writers_lose_nothing(store, db_url, for_update):
    """FOR UPDATE is the pattern controller code uses on both backends; on SQLite even a plain
    read-modify-write is safe because every write transaction is BEGIN IMMEDIATE."""
    if store.backend == 'mysql' and not for_update:
        pytest.skip('under READ COMMITTED a plain read-modify-write loses updates by design')
    with store.begin() as conn:
        conn.execute(schema.table('services').insert().values(
            uuid='s', host='shared', binary='nova-compute', report_count=0, created_at=utcnow()))
    ctx = multiprocessing.get_context('spawn')
    procs = [ctx.Process(target=_writer, args=(db_url, w, 15, for_update)) for w in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    with store.read() as conn:
        assert conn.execute(sa.text("SELECT report_count FROM services WHERE host='shared'")).scalar() == 120
        assert conn.execute(sa.text("SELECT COUNT(*) FROM keypairs")).scalar() == 120
