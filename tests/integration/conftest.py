"""Fixtures for the integration tests that run the collection's playbooks on real libvirt."""

import pytest

from lib.novalite_env import NovaliteEnv


@pytest.fixture
def env(db_url, request):
    """A throw-away deployment on each state-store backend, with the catalog and registry set up.

    Its compute hosts are the test module's ``HOSTS`` (default: one, ``localhost``),
    all on the local libvirt with their own instances paths.
    """
    deployment = NovaliteEnv(db_url, hosts=getattr(request.module, 'HOSTS', ('localhost',)))
    try:
        deployment.setup()
        yield deployment
    finally:
        deployment.cleanup()


def pytest_configure(config):
    config.addinivalue_line('markers', 'both_backends: run this env test on SQLite and on MariaDB alike')


def pytest_collection_modifyitems(config, items):
    """A test on a throw-away deployment (``env``) runs on one state-store backend, SQLite and MariaDB taking
    turns test by test, so each backend carries about half of the real-guest tests end to end.

    The store itself is proven on both backends by the unit tests (every store, claim and concurrency
    test runs on each); running every guest lifecycle twice would only double the boots. A test about a
    backend's own behaviour keeps both with ``@pytest.mark.both_backends``.
    """
    from lib.databases import backends
    wanted = backends()
    if len(wanted) < 2:
        return
    names = sorted(set(_base_id(item) for item in items if _one_backend(item)))
    turn = dict((name, wanted[i % len(wanted)]) for i, name in enumerate(names))
    kept, dropped = [], []
    for item in items:
        if _one_backend(item) and item.callspec.params['db_url'] != turn[_base_id(item)]:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _one_backend(item):
    callspec = getattr(item, 'callspec', None)
    return (callspec is not None and 'db_url' in callspec.params and 'env' in item.fixturenames
            and item.get_closest_marker('both_backends') is None)


def _base_id(item):
    """The test's id without its backend: the same for its SQLite and its MariaDB run."""
    params = dict(item.callspec.params)
    params.pop('db_url')
    return '%s::%s[%s]' % (item.module.__name__, item.originalname, sorted(params.items()))
