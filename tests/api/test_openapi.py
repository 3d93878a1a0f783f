# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The OpenAPI document (novalite_api/openapi.py) against the app it describes.

* it lists exactly the routes of ``create_app(cfg).url_map`` (HEAD/OPTIONS aside), so a
  route added without documentation fails here;
* it is valid OpenAPI 3.0 and served at ``GET /openapi.json`` without a token;
* schemathesis (its CLI, ``st run``) fuzzes a dedicated shim (own SQLite store, no
  compute node: a create that passes validation ends in ERROR/NoValidHost) with an
  admin token and finds no 5xx, no undocumented status and no body off its schema;
  its hooks (schemathesis_hooks.py) put lone surrogates and NULs into half the bodies.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess
import time
from concurrent import futures

import pytest

from lib import api_service

ST = os.path.join(api_service.VENV_BIN, 'st')
# Revoking tokens would revoke the run's own admin token. The bare metal list and show answer a constant 501 by design
# (no bare metal service, as Nova's API reference documents it), which the server-error check counts as one; they take
# no input but the node id (tests/api/test_volume_routes.py calls them).
NOT_FUZZED = set([('DELETE', '/identity/v3/auth/tokens'), ('GET', '/compute/v2.1/os-baremetal-nodes'),
                  ('GET', '/compute/v2.1/os-baremetal-nodes/{node_id}')])
# The Networking API is kept out of the compute fuzzing run (its own tests: tests/api/test_network_api.py);
# a run over its operations would add minutes of CI time.
NOT_FUZZED_PREFIX = '/network/'
CHECKS = 'not_a_server_error,status_code_conformance,response_schema_conformance'
# Per operation and run (20 examples) in the fuzzing phase; the coverage phase makes its own set (see below).
MAX_EXAMPLES = int(os.environ.get('NOVALITE_FUZZ_EXAMPLES', '20'))
RUN_TIMEOUT = 600   # one st run: about 80 s on an idle 2-core machine, over 300 s on a busy one
_CONVERTER = re.compile(r'<(?:[^:<>]+:)?([^<>]+)>')


def _openapi():
    # importing novalite_api puts the collection on sys.path
    import novalite_api  # noqa: F401  pylint: disable=unused-import
    from novalite_api import openapi
    return openapi


@pytest.fixture(scope='module', name='app')
def app_fixture(tmp_path_factory):
    import novalite_api  # noqa: F401  pylint: disable=unused-import
    from novalite_api import app as app_mod, config
    workdir = str(tmp_path_factory.mktemp('openapi-app'))
    cfg = config.validate(api_service.service_config(workdir))
    return app_mod.create_app(cfg)


def app_operations(flask_app):
    """{(METHOD, OpenAPI path)} the app routes, without HEAD/OPTIONS and Flask's static route."""
    out = set()
    for rule in flask_app.url_map.iter_rules():
        if rule.endpoint == 'static':
            continue
        path = _CONVERTER.sub(r'{\1}', rule.rule)
        out.update((method, path) for method in rule.methods - set(['HEAD', 'OPTIONS']))
    return out


def documented_operations(doc):
    return set((method.upper(), path) for path, methods in doc['paths'].items() for method in methods
               if method not in ('head', 'options'))


def _missing(app_ops, doc_ops):
    """(served but undocumented, documented but not served), each sorted by path then method."""
    return sorted(app_ops - doc_ops, key=_by_path), sorted(doc_ops - app_ops, key=_by_path)


def _by_path(operation):
    return operation[1], operation[0]


def test_document_covers_exactly_the_app_routes(app):
    undocumented, unserved = _missing(app_operations(app), documented_operations(_openapi().document()))
    assert not undocumented and not unserved, (
        'served but not in novalite_api/openapi.py:\n  %s\ndocumented but not served:\n  %s' % (
            '\n  '.join('%s %s' % op for op in undocumented) or '-',
            '\n  '.join('%s %s' % op for op in unserved) or '-'))


def test_document_is_valid_openapi_3():
    from openapi_spec_validator import validate
    openapi = _openapi()
    doc = openapi.document('http://127.0.0.1:8774')
    validate(doc)
    assert doc['openapi'].startswith('3.0.')
    assert doc['servers'] == [{'url': 'http://127.0.0.1:8774'}]
    assert doc['components']['securitySchemes']['keystoneToken'] == {
        'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token',
        'description': doc['components']['securitySchemes']['keystoneToken']['description']}
    operation_ids = [o['operationId'] for methods in doc['paths'].values() for o in methods.values()]
    assert len(operation_ids) == len(set(operation_ids))
    # Only the version documents, the OpenAPI document itself and token issue need no token.
    public = sorted('%s %s' % (m.upper(), p) for p, methods in doc['paths'].items()
                    for m, o in methods.items() if o.get('security') == [])
    assert public == ['GET /compute/', 'GET /compute/v2', 'GET /compute/v2.1', 'GET /identity/', 'GET /identity/v3',
                      'GET /image/', 'GET /network/', 'GET /network/v2.0', 'GET /openapi.json',
                      'POST /identity/v3/auth/tokens']


def test_microversion_header_lists_what_the_service_supports():
    import novalite_api  # noqa: F401  pylint: disable=unused-import
    from novalite_api.compute import api_version
    doc = _openapi().document()
    enum = doc['components']['parameters']['OpenStackAPIVersion']['schema']['enum']
    assert enum[0] == 'compute %d.%d' % api_version.MIN_VERSION
    assert enum[-2:] == ['compute %d.%d' % api_version.MAX_VERSION, 'compute latest']
    for path, methods in doc['paths'].items():
        refs = [p.get('$ref') for o in methods.values() for p in o['parameters']]
        assert ('#/components/parameters/OpenStackAPIVersion' in refs) == path.startswith('/compute'), path


def test_nova_error_schema_matches_the_fault_names():
    from novalite_api import faults
    names = set(_openapi().document()['components']['schemas']['NovaError']['properties'])
    assert set(faults.NOVA_FAULT_NAMES.values()) | set(['computeFault']) == names


def test_server_bodies_match_what_the_handlers_accept(app):
    """The documented create and action bodies name exactly the keys the handlers validate."""
    from novalite_api.compute import (
        admin_actions, api_version, floating_ips, multinic, remote_consoles, security_groups, servers)
    from novalite_api.compute.schemas import servers as server_schemas
    schemas = _openapi().document()['components']['schemas']
    documented = schemas['ServerCreate']['properties']['server']
    accepted = server_schemas.create_server(api_version.MAX_VERSION)
    assert set(documented['properties']) == set(accepted['properties'])
    assert set(documented.get('required', [])) <= set(accepted['required'])
    actions = set(key for choice in schemas['ServerAction']['oneOf'] for key in choice['required'])
    assert (set(servers.ACTION_RULES) | set(remote_consoles.ACTIONS) | set(security_groups.ACTIONS)
            | set(admin_actions.ACTIONS) | {remote_consoles.RDP_ACTION}) == actions
    before_2_44 = _openapi().document(version=(2, 43))['components']['schemas']['ServerAction']['oneOf']
    old_actions = set(key for choice in before_2_44 for key in choice['required'])
    assert set(floating_ips.ACTIONS) | set(multinic.ACTIONS) <= old_actions
    before_2_17 = _openapi().document(version=(2, 16))['components']['schemas']['ServerAction']['oneOf']
    assert 'trigger_crash_dump' not in set(key for choice in before_2_17 for key in choice['required'])


def test_openapi_json_is_served_without_a_token(app):
    client = app.test_client()
    resp = client.get('/openapi.json')
    assert resp.status_code == 200
    assert resp.headers['Content-Type'] == 'application/json'
    assert resp.headers['x-openstack-request-id'].startswith('req-')
    assert resp.get_json() == _openapi().document(app.config['NOVALITE']['public_url'])


def _body_keys(doc, name):
    schema = doc['components']['schemas'][name]
    return set(schema['properties']['server']['properties'])


def test_every_microversion_has_its_own_document_with_that_versions_bodies(app):
    """?microversion=2.N: the compute bodies of that microversion (the handlers' schemas at 2.N), the
    microversion headers pinned to it; each distinct document is valid OpenAPI 3."""
    from openapi_spec_validator import validate
    from novalite_api.compute import api_version
    from novalite_api.compute.schemas import servers as server_schemas
    openapi = _openapi()
    client = app.test_client()
    changed = 0
    previous = None
    for minor in range(api_version.MIN_VERSION[1], api_version.MAX_VERSION[1] + 1):
        resp = client.get('/openapi.json?microversion=2.%d' % minor)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        doc = resp.get_json()
        assert doc['info']['x-compute-microversion'] == '2.%d' % minor
        latest = ['compute latest'] if (2, minor) == api_version.MAX_VERSION else []
        assert doc['components']['parameters']['OpenStackAPIVersion']['schema']['enum'] == \
            ['compute 2.%d' % minor] + latest
        assert _body_keys(doc, 'ServerCreate') == set(server_schemas.create_server((2, minor))['properties'])
        bodies = dict((name, doc['components']['schemas'][name])
                      for name in ('ServerCreate', 'ServerUpdate', 'ServerAction', 'FlavorCreate', 'KeypairCreate',
                                   'QuotaSetUpdate'))
        if bodies != previous:   # a microversion whose bodies differ from the one before: a new document to check
            validate(doc)
            changed += previous is not None
        previous = bodies
    assert changed >= 15, changed   # Nova's bodies change at many microversions (2.19, 2.37, 2.52, 2.90, ...)
    # what each changes, as Nova's schemas have it

    def at(minor):
        return openapi.document(version=(2, minor))

    assert 'description' not in _body_keys(at(18), 'ServerCreate') and 'description' in _body_keys(at(19), 'ServerCreate')
    assert 'tags' not in _body_keys(at(51), 'ServerCreate') and 'tags' in _body_keys(at(52), 'ServerCreate')
    assert 'hostname' not in _body_keys(at(89), 'ServerUpdate') and 'hostname' in _body_keys(at(90), 'ServerUpdate')

    def rebuild(minor):
        return next(c for c in at(minor)['components']['schemas']['ServerAction']['oneOf']
                    if c['required'] == ['rebuild'])['properties']['rebuild']['properties']

    assert 'key_name' not in rebuild(53) and 'key_name' in rebuild(54)
    assert 'user_data' not in rebuild(56) and 'user_data' in rebuild(57)
    # no parameter: the newest bodies and every microversion in the headers; latest is the newest
    assert client.get('/openapi.json').get_json() == openapi.document(app.config['NOVALITE']['public_url'])
    latest = client.get('/openapi.json?microversion=latest').get_json()
    assert latest['info']['x-compute-microversion'] == api_version.fmt(api_version.MAX_VERSION)


@pytest.mark.parametrize('query, status', [('microversion=3.0', 406), ('microversion=2.999', 406),
                                           ('microversion=two', 400), ('version=2.1', 400)])
def test_a_document_for_a_microversion_that_does_not_exist_is_refused(app, query, status):
    resp = app.test_client().get('/openapi.json?' + query)
    assert resp.status_code == status, resp.get_data(as_text=True)


# ---- schemathesis against a dedicated service ---------------------------------------------------

@pytest.fixture(scope='module', name='fuzz_service')
def fuzz_service_fixture(tmp_path_factory):
    """A shim on its own SQLite store: admin, default flavors, the test image, a private flavor; no compute node."""
    import novalite_api  # noqa: F401  pylint: disable=unused-import
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    workdir = str(tmp_path_factory.mktemp('openapi-fuzz'))
    os.chmod(workdir, 0o755)
    cfg = api_service.service_config(workdir, job_concurrency=1, heartbeat_interval=0)
    seeds = api_service.prepare_catalog(workdir, cfg)
    store = Store(cfg['database_url'])
    # Its own flavor for the {flavor_id} routes, so deleting it leaves the defaults for server creates.
    flavors.create(store, 'fuzz.private', 1, 128, 1, flavorid='fuzz', is_public=False,
                   extra_specs={'hw:cpu_policy': 'shared'})
    store.dispose()
    proc, log_path = api_service.start_service(workdir, cfg)
    try:
        yield dict(seeds, url='http://127.0.0.1:%d' % cfg['bind_port'], workdir=workdir, log=log_path, proc=proc)
    finally:
        api_service.stop_service(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def _seed_server(http, token, image_id):
    """A server made through the API (it ends in ERROR: no compute node); (id, request id) or (None, None)."""
    status, headers, body = http.call('POST', '/compute/v2.1/servers', {'server': {
        'name': 'fuzz-seed', 'imageRef': image_id, 'flavorRef': '1', 'networks': 'none'}},
        headers={'OpenStack-API-Version': 'compute latest'}, token=token)
    if status != 202:
        return None, None
    server_id = body['server']['id']
    deadline = time.time() + 60
    while time.time() < deadline:
        status, _h, shown = http.call('GET', '/compute/v2.1/servers/%s' % server_id, token=token)
        if status == 200 and shown['server']['status'] != 'BUILD':
            break
        time.sleep(0.5)
    return server_id, headers['x-openstack-request-id']


def _with_examples(doc, image_id):
    """The document plus request examples that pass validation (so creates reach the handlers)."""
    doc = json.loads(json.dumps(doc))
    create = doc['paths']['/compute/v2.1/servers']['post']['requestBody']['content']['application/json']
    create['example'] = {'server': {'name': 'fuzz-example', 'imageRef': image_id, 'flavorRef': '1',
                                    'networks': 'none', 'metadata': {'purpose': 'fuzz'}}}
    return doc


# schemathesis' coverage phase makes every boundary and negative case each schema defines: about 40,000
# calls, 300-400 s on 2 cores, most of a CI run's margin. make test fuzzes (20 examples per operation, hostile
# strings in half the bodies); NOVALITE_FUZZ_COVERAGE=1 adds the coverage phase to the run with ids bound.
AS_SERVED_PHASES = 'examples,fuzzing'
GENERATED_PHASES = 'examples,coverage,fuzzing' if os.environ.get('NOVALITE_FUZZ_COVERAGE') == '1' \
    else AS_SERVED_PHASES


def _removed_apis():
    """(METHOD, OpenAPI path) of Nova's removed APIs: constant 410 stubs, not fuzzed (a third of the
    operations, minutes of CI); test_compute_admin_apis.py calls every one of them at two microversions."""
    from novalite_api.compute.removed import GONE
    return set((method, '/compute' + _CONVERTER.sub(r'{\1}', path)) for method, path in GONE)


def _aliases():
    """(METHOD, OpenAPI path) of os-volumes_boot, the servers collection's alias: the same handlers as the /servers
    routes the run fuzzes (its creates would double the servers the run makes); test_volume_routes.py calls them."""
    from novalite_api.compute.volumes_boot import ROUTES
    return set((method, '/compute' + _CONVERTER.sub(r'{\1}', path)) for method, path, _handler in ROUTES)


def _st_run(service, schema_path, excluded, workdir, config=None, phases=GENERATED_PHASES):
    cmd = [ST]
    if config:
        config_path = os.path.join(workdir, 'schemathesis.toml')
        with open(config_path, 'w') as handle:
            handle.write(config)
        cmd += ['--config-file', config_path]
    # One worker: with two threads CPython 3.11's ast.parse (used by hypothesis) can fail with
    # "AST constructor recursion depth mismatch" (gh-106905), a runtime error of the fuzzer itself.
    cmd += ['run', schema_path, '--url', service['url'], '-H', 'X-Auth-Token: %s' % service['token'],
            '--checks', CHECKS, '--max-examples', str(MAX_EXAMPLES), '--workers', '1', '--seed', '20261123',
            '--generation-database', 'none', '--generation-with-security-parameters', 'false',
            '--request-timeout', '30', '--no-color', '--output-truncate', 'false', '--phases', phases]
    for op_id in excluded:
        cmd += ['--exclude-operation-id', op_id]
    env = dict((k, v) for k, v in os.environ.items()
               if k.lower() not in ('http_proxy', 'https_proxy', 'all_proxy'))
    env.update(NO_PROXY='127.0.0.1', no_proxy='127.0.0.1', HOME=workdir)
    if phases != 'stateful':
        # About half the bodies get a lone surrogate or a NUL in one string: a 400, never a 500. Not in the
        # stateful phase: it re-validates the bodies its links changed with jsonschema_rs, which cannot hold a
        # lone surrogate and stops the whole run (a crash of the fuzzer, not of the service).
        env['SCHEMATHESIS_HOOKS'] = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'schemathesis_hooks.py')
    started = time.time()
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT,
                          check=False)
    return proc, time.time() - started


@pytest.mark.slow
def test_schemathesis_finds_no_server_error(fuzz_service, app, tmp_path):
    openapi = _openapi()
    http = api_service.Http(fuzz_service['url'])
    status, _h, doc = http.call('GET', '/openapi.json')
    assert status == 200
    service = dict(fuzz_service, token=http.token('admin', api_service.ADMIN_PASSWORD, 'admin'))
    # Fuzz what is both documented and served; the coverage test above names the rest.
    served = app_operations(app)
    excluded = sorted(o['operationId'] for path, methods in doc['paths'].items() for m, o in methods.items()
                      if (m.upper(), path) in NOT_FUZZED or path.startswith(NOT_FUZZED_PREFIX) or
                      (m.upper(), path) in _removed_apis() or (m.upper(), path) in _aliases() or
                      (m not in ('head', 'options') and (m.upper(), path) not in served))
    assert openapi.document(service['url']) == doc
    workdir = str(tmp_path)
    plain = os.path.join(workdir, 'openapi.json')
    with open(plain, 'w') as handle:
        json.dump(doc, handle)
    # Made first: the runs' own creates may use up the quota (or set it to 0).
    server_id, request_id = _seed_server(http, service['token'], service['image']['id'])
    # Run 2: existing ids bound to the path parameters and a valid create body, so the
    # handlers behind the 404s get fuzzed too.
    bound = {'image_id': service['image']['id'], 'flavor_id': 'fuzz',
             'project_id': service['admin']['project']['id']}
    if server_id:
        bound.update(server_id=server_id, request_id=request_id)
    seeded = os.path.join(workdir, 'openapi-seeded.json')
    with open(seeded, 'w') as handle:
        json.dump(_with_examples(doc, service['image']['id']), handle)
    config = '[parameters]\n' + ''.join('"path.%s" = "%s"\n' % item for item in sorted(bound.items()))
    # Run 1 (the document as served, every parameter generated, hostile strings in the bodies) and run 2 at
    # once, each in a directory of its own: a second client on the service, and half a minute less of CI
    dirs = [os.path.join(workdir, name) for name in ('served', 'bound')]
    for directory in dirs:
        os.makedirs(directory)
    with futures.ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(_st_run, service, plain, excluded, dirs[0], phases=AS_SERVED_PHASES)
        second = pool.submit(_st_run, service, seeded, excluded, dirs[1], config)
        runs = [('as served', first.result()), ('ids bound: %s' % ', '.join(sorted(bound)), second.result())]
    # Run 3: sequences of calls following the document's links (created ids used by the next call).
    runs.append(('stateful, ids bound', _st_run(service, seeded, excluded, workdir, config, phases='stateful')))
    report = []
    for label, (proc, took) in runs:
        summary = [line.strip('= ') for line in proc.stdout.splitlines() if re.match(r'^=+ .* in [0-9.]+s =+$', line)]
        report.append('st run (%s): exit %d in %.0fs: %s' % (label, proc.returncode, took, ''.join(summary[-1:])))
    print('\n'.join(report))
    with open(service['log']) as handle:
        tracebacks = [block for block in handle.read().split('request req-') if 'Traceback' in block]
    failed = ['st run (%s) failed; its output:\n%s\n%s' % (label, _failures(proc.stdout), proc.stderr[-3000:])
              for label, (proc, _took) in runs if proc.returncode != 0]
    assert not failed and not tracebacks, '%s\n\n%s\n\nservice tracebacks:\n%s' % (
        '\n'.join(report), '\n\n'.join(failed), '\n'.join(tracebacks)[-8000:])


def _failures(output):
    """The FAILURES section of st's output (each with its curl command), else the end of it."""
    start, end = output.find('= FAILURES ='), output.find('= WARNINGS =')
    if start < 0:
        return output[-10000:]
    return output[output.rfind('\n', 0, start) + 1:end if end > start else None][:15000]
