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
