# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The handlers of the modules that run on a compute host (libvirt, disks, image cache).

They never open the state store (Nova's conductor rule): the controller passes
everything in and records what comes back. One function per module,
``handler(call) -> result`` (see novalite_module).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time
import traceback
import uuid as uuidlib

# Every host module imports this file and its Python compiles each module_utils source from the AnsiballZ zip at
# each start: what only one kind of call needs (diagnostics, admin passwords, threads, host networking, a live
# migration's or a move's steps) is imported in its handler, not here.
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NovaliteError
from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import error_result, missing_library
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection, disk, driver, imagecache


def _need_libvirt(lxml=False):
    if not connection.HAS_LIBVIRT:
        raise missing_library('libvirt-python')
    if lxml and not connection.HAS_LXML:
        raise missing_library('lxml')


def _shutdown_timeout(params):
    if params['shutdown_timeout'] < 0:
        raise InvalidInput('shutdown_timeout', 'must not be negative')
    return params['shutdown_timeout']


# -- facts and listing ------------------------------------------------------

def host_facts(call):
    from ansible_collections.novalite.compute.plugins.module_utils.virt import host_facts as facts
    _need_libvirt()
    if not facts.HAS_LXML:
        raise missing_library('lxml')
    p = call.params
    return dict(changed=False, host_facts=facts.gather(p['libvirt_uri'], p['instances_path'], p['virt_type']))


def _instance_dirs(path):
    if not os.path.isdir(path):
        return []
    out = []
    for name in os.listdir(path):
        try:
            if str(uuidlib.UUID(name)) == name and os.path.isdir(os.path.join(path, name)):
                out.append(name)
        except ValueError:
            continue    # _base, locks and anything else that is not an instance
    return sorted(out)


def _under(path, root):
    return bool(path) and os.path.abspath(path).startswith(os.path.abspath(root).rstrip('/') + '/')


def domain_info(call):
    from lxml import etree
    _need_libvirt(lxml=True)
    instances_path = call.params['instances_path']
    conn = connection.open_connection(call.params['libvirt_uri'], readonly=True)
    try:
        domains = driver.list_domains(conn)
        for dom in domains:
            # Ours on this host only when its disks live under this host's instances path: another
            # deployment (or a test) may share the libvirt daemon.
            xml = etree.fromstring(conn.lookupByUUIDString(dom['uuid']).XMLDesc(0).encode('utf-8'))
            sources = xml.xpath('/domain/devices/disk/source/@file')
            dom['managed_here'] = bool(sources) and all(_under(src, instances_path) for src in sources)
    finally:
        conn.close()
    return dict(changed=False, domains=domains, instance_dirs=_instance_dirs(instances_path))


# -- domains ----------------------------------------------------------------

def domain_xml(call):
    settings = driver.settings_from_params(call.params)
    instance = call.params['instance']
    conn = connection.open_connection(settings['libvirt_uri'])
    try:
        path = settings['instances_path']
        uuid = disk.validate_uuid(instance)
        disks = disk.existing_disks(path, uuid) or disk.planned_disks(path, instance)
        if call.params['define'] and not call.check_mode:
            with driver.serial_ports_held(path):   # the port it picks stays free until the domain is defined
                return _render_and_define(conn, instance, settings, disks, call)
        return _render_and_define(conn, instance, settings, disks, call)
    finally:
        conn.close()


def _render_and_define(conn, instance, settings, disks, call):
    xml, virt_type = driver.render_for(conn, instance, settings, disks)
    out = {'xml': xml, 'virt_type': virt_type, 'changed': False}
    if call.params['define']:
        res = driver.define(conn, xml, call.check_mode)
        out.update(changed=res['changed'], diff=res['diff'], defined_xml=res['domain_xml'])
    return out


def _rescue(conn, inst, settings, state, check_mode, timeout, rescue, unrescue):
    """Nova's rescue (``rescue``: {image}) or unrescue, then ``state`` (running: both end with the guest up)."""
    if rescue is not None and unrescue:
        raise InvalidInput('unrescue', 'a call either rescues or unrescues')
    if state != 'running':
        raise InvalidInput('state', 'a rescue or unrescue ends running, not %s' % state)
    if rescue is not None and not isinstance(rescue, dict):
        raise InvalidInput('rescue', 'must be a mapping with the rescue image')
    step = 'rescue' if rescue is not None else 'unrescue'
    if check_mode:
        return {'changed': True, 'actions': [step]}
    if rescue is not None:
        done = driver.rescue(conn, inst, settings, rescue.get('image'), timeout)
        changed = done['rescued']
    else:
        done = driver.unrescue(conn, inst, settings)
        changed = done['unrescued']
    result = driver.ensure_state(conn, inst, settings, state, False, timeout)
    result['actions'] = ([step] if changed else []) + result['actions']
    result['changed'] = bool(changed or result['changed'])
    result['bases_copied'] += done.get('bases_copied', 0)
    result[step + 'd'] = changed
    if done.get('timing') is not None:
        result['rescue_timing'] = done['timing']
    return result


class InstanceCall(object):
    """What one instance call asks of its host beside the instance and the host's settings: the options of the
    ``instance`` module, or the keys of one call of ``instances`` (the same names), read by ``from_call``.

    ``state`` the end state, ``timeout`` the clean shutdown's (s), ``check_mode``; ``rebuild_id`` (key
    ``rebuild``): rebuild first, ``preserve_ephemeral`` keeping disk.local, ``evacuate`` an evacuation's
    rebuild (the disks found on shared storage; ``on_shared_storage`` the caller's word on it, checked, None:
    not given); ``rescue`` ({image}) / ``unrescue``; ``destroy_disks``
    (state absent) the instance directory goes too.
    """

    def __init__(self, state, timeout, check_mode=False, rebuild_id=None, preserve_ephemeral=False, rescue=None,
                 unrescue=False, evacuate=False, destroy_disks=True, on_shared_storage=None):
        self.state = state
        self.timeout = timeout
        self.check_mode = bool(check_mode)
        self.rebuild_id = rebuild_id or None
        self.preserve_ephemeral = bool(preserve_ephemeral)
        self.rescue = rescue
        self.unrescue = bool(unrescue)
        self.evacuate = bool(evacuate)
        self.destroy_disks = destroy_disks is not False
        self.on_shared_storage = None if on_shared_storage is None else bool(on_shared_storage)

    @classmethod
    def from_call(cls, call, state, timeout, check_mode):
        """From a mapping with the module's option names (module params or an ``instances`` call)."""
        return cls(state, timeout, check_mode=check_mode, rebuild_id=call.get('rebuild'),
                   preserve_ephemeral=call.get('preserve_ephemeral'), rescue=call.get('rescue'),
                   unrescue=call.get('unrescue'), evacuate=call.get('evacuate'),
                   destroy_disks=call.get('destroy_disks', True), on_shared_storage=call.get('on_shared_storage'))


def _ensure(conn, inst, settings, asked):
    """One instance to ``asked.state`` (an InstanceCall); with ``rebuild_id`` first Nova's rebuild (new disks from
    its image; with ``evacuate`` the disks found on shared storage), with ``rescue`` ({image}) Nova's rescue,
    with ``unrescue`` its unrescue."""
    state, check_mode, timeout = asked.state, asked.check_mode, asked.timeout
    if asked.rescue is not None or asked.unrescue:
        if asked.rebuild_id:
            raise InvalidInput('rebuild', 'a call either rebuilds or rescues')
        return _rescue(conn, inst, settings, state, check_mode, timeout, asked.rescue, asked.unrescue)
    if not asked.rebuild_id:
        return driver.ensure_state(conn, inst, settings, state, check_mode, timeout, asked.destroy_disks)
    if state not in ('running', 'stopped'):
        raise InvalidInput('state', 'a rebuild ends running or stopped, not %s' % state)
    if check_mode:
        return {'changed': True, 'actions': ['rebuild'], 'rebuilt': False}
    rebuilt = driver.rebuild(conn, inst, settings, asked.rebuild_id, asked.preserve_ephemeral, state == 'running',
                             timeout, evacuate=asked.evacuate, on_shared_storage=asked.on_shared_storage)
    result = driver.ensure_state(conn, inst, settings, state, False, timeout)
    result['actions'] = (['rebuild'] if rebuilt['rebuilt'] else []) + result['actions']
    result['changed'] = bool(rebuilt['rebuilt'] or result['changed'])
    result.update(rebuilt=rebuilt['rebuilt'], rebuild_timing=rebuilt['timing'],
                  on_shared_storage=rebuilt['on_shared_storage'])
    result['bases_copied'] += rebuilt['bases_copied']
    return result


def instance(call):
    p = call.params
    timeout = _shutdown_timeout(p)
    if not driver.HAS_LIBVIRT:
        raise missing_library('libvirt-python')
    settings = driver.settings_from_params(p)
    conn = connection.open_connection(settings['libvirt_uri'])
    try:
        return _ensure(conn, p['instance'], settings, InstanceCall.from_call(p, p['state'], timeout, call.check_mode))
    finally:
        conn.close()


def _one_call(params, call, check_mode):
    """One call of ``instances``: its result; a failure is reported in the result, never raised."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import admin_password
    try:
        if not isinstance(call, dict) or not isinstance(call.get('instance'), dict):
            raise InvalidInput('calls', 'each call needs an instance mapping')
        state = call.get('state') or 'running'
        if state not in driver.DESIRED_STATES:
            raise InvalidInput('calls.state', 'must be one of %s' % ', '.join(driver.DESIRED_STATES))
        host = dict((k, params.get(k)) for k in driver.HOST_SETTING_NAMES)
        host.update((k, call[k]) for k in ('libvirt_uri', 'instances_path') if call.get(k))
        settings = driver.settings_from_params(host)
        conn = connection.open_connection(settings['libvirt_uri'])
        try:
            instance = admin_password.with_secret(call['instance'], params.get('secrets'))
            asked = InstanceCall.from_call(call, state, params['shutdown_timeout'], check_mode)
            return _ensure(conn, instance, settings, asked)
        finally:
            conn.close()
    except NovaliteError as exc:
        return dict(error_result(exc), changed=False)
    except Exception as exc:  # noqa: BLE001 - one call's crash is that call's failure
        return {'failed': True, 'changed': False, 'msg': '%s: %s' % (exc.__class__.__name__, exc),
                'exception': traceback.format_exc()}


def instances(call):
    """A host's instance calls in one module start, ``parallel`` at once (boots spawn side by side)."""
    p = call.params
    _shutdown_timeout(p)
    if p['parallel'] < 1:
        raise InvalidInput('parallel', 'must be at least 1')
    if not driver.HAS_LIBVIRT:
        raise missing_library('libvirt-python')
    started = time.time()
    calls = p['calls']
    network = _plug(p, calls, call.check_mode)
    if len(calls) <= 1 or p['parallel'] == 1:
        results = [_one_call(p, c, call.check_mode) for c in calls]
    else:
        from concurrent import futures
        with futures.ThreadPoolExecutor(max_workers=min(p['parallel'], len(calls))) as pool:
            results = list(pool.map(lambda c: _one_call(p, c, call.check_mode), calls))
    out = {'changed': any(r.get('changed') for r in results), 'results': results}
    if network is not None:
        out['network'] = _unplug(p, calls, network, results, call.check_mode)
        out['changed'] = out['changed'] or out['network']['changed']
    out['timing'] = round(time.time() - started, 3)
    return out


def _plug(params, calls, check_mode):
    """Before the calls: the host's networks as the calls' plans say, nothing removed yet (network/host_side.py);
    each call's ports get their bridge (its NIC in the domain XML). None when no call carries a plan."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import host_side
    plans = [c['host_network'] for c in calls if isinstance(c, dict) and isinstance(c.get('host_network'), dict)]
    if not plans or not params.get('host_networking', True):
        return None
    plan = host_side.merge(plans)
    result = host_side.converge(plan, prune=False, check_mode=check_mode, state_dir=params.get('network_state_dir'))
    bridges = dict((port['id'], port['bridge']) for port in plan['ports'])
    for c in calls:
        if isinstance(c, dict) and isinstance(c.get('instance'), dict) and not c.get('network_leaving'):
            vifs = []
            for vif in c['instance'].get('network_info') or []:
                if isinstance(vif, dict) and isinstance(vif.get('network'), dict) and vif.get('id') in bridges:
                    vif = dict(vif, network=dict(vif['network'], bridge=bridges[vif['id']]))
                vifs.append(vif)
            c['instance'] = dict(c['instance'], network_info=vifs)
    return dict(result, plan=plan, bridges=bridges)


def _unplug(params, calls, network, results, check_mode):
    """After the calls: the host's networks without the ports of deleted servers (pruned); each successful call's
    result names its plugged ports (the controller binds them: binding:vif_type bridge)."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import host_side
    leaving = [c['instance'].get('uuid') for c, r in zip(calls, results)
               if c.get('network_leaving') and not r.get('failed')]
    plans = [c['host_network'] for c in calls if isinstance(c.get('host_network'), dict)]
    after = host_side.converge(host_side.merge(plans, leaving=leaving), prune=True, check_mode=check_mode,
                               state_dir=params.get('network_state_dir'))
    for c, r in zip(calls, results):
        if not r.get('failed') and not c.get('network_leaving'):
            r['plugged'] = [v.get('id') for v in c['instance'].get('network_info') or []
                            if isinstance(v, dict) and v.get('id') in network['bridges']]
    return {'changed': bool(network['actions'] or after['actions']),
            'actions': network['actions'] + after['actions']}


def host_network(call):
    """A host's whole network (bridges, VXLANs, DHCP, filters) as ``network`` says (network/host_side.py)."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import host_side
    p = call.params
    result = host_side.converge(p['network'], prune=p['prune'], check_mode=call.check_mode,
                                state_dir=p['network_state_dir'])
    return result


def instance_action(call):
    p = call.params
    if p['action'] in ('attach_interface', 'detach_interface'):
        return _interface(call)
    if p['action'] in ('trigger_crash_dump', 'change_password'):
        return _guest_request(call)
    timeout = _shutdown_timeout(p)
    uuid = disk.validate_uuid(p['instance'])
    conn = connection.open_connection(p['libvirt_uri'])
    try:
        driver.require_domain(conn, uuid)
        if call.check_mode:
            return {'changed': True}
        out = driver.reboot(conn, uuid, 'HARD' if p['action'] == 'reboot_hard' else 'SOFT', p.get('domain_xml'),
                            timeout)
        result = {'changed': True, 'reboot_type': out['type'], 'fell_back': out['fell_back']}
        result.update(driver.get_info(conn, uuid))
        return result
    finally:
        conn.close()


def admin_user(instance):
    """Nova's libvirt set_admin_password user: the image's os_admin_user, else Administrator (os_type windows) or
    root."""
    props = ((instance or {}).get('image') or {}).get('properties') or {}
    return props.get('os_admin_user') or ('Administrator' if props.get('os_type') == 'windows' else 'root')


def _guest_request(call):
    """Nova's trigger_crash_dump (an NMI into the running guest) and changePassword (its set_admin_password, through
    the QEMU guest agent, the password from ``admin_pass``). The power state does not change."""
    p = call.params
    uuid = disk.validate_uuid(p['instance'])
    if p['action'] == 'change_password' and not p.get('admin_pass'):
        raise InvalidInput('admin_pass', 'the new password is required to set it')
    conn = connection.open_connection(p['libvirt_uri'])
    try:
        driver.require_domain(conn, uuid)
        if call.check_mode:
            return {'changed': True}
        if p['action'] == 'trigger_crash_dump':
            driver.trigger_crash_dump(conn, uuid)
        else:
            driver.set_admin_password(conn, uuid, admin_user(p['instance']), p['admin_pass'])
        result = {'changed': True}
        result.update(driver.get_info(conn, uuid))
        return result
    finally:
        conn.close()


def _without_port(plan, port_id):
    from ansible_collections.novalite.compute.plugins.module_utils.network import host_side
    # named as leaving: the host has the port from this very plan, which a prune alone would keep
    return host_side.merge([plan], leaving_ports=[port_id])


def _interface(call):
    """Nova's attach_interface / detach_interface on the host. Attach: the host's network as ``host_network`` says
    (the port's bridge, DHCP reservation, filters; nothing removed), then the NIC hot-plugged; a failed hot-plug
    takes the port off the host again. Detach: the NIC taken out, then the host's network without the port
    (``host_network`` is the plan without it), pruned. Without host networking a port gives the guest no NIC."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import host_side
    from ansible_collections.novalite.compute.plugins.module_utils.virt import domain_xml as dxml
    p = call.params
    _need_libvirt(lxml=True)
    uuid = disk.validate_uuid(p['instance'])
    vif = p.get('vif')
    if not isinstance(vif, dict) or not vif.get('id') or not isinstance(vif.get('network'), dict):
        raise InvalidInput('vif', 'the port to %s is required (a network_info entry)' % p['action'].split('_')[0])
    plan = p.get('host_network') if p['host_networking'] else None
    if plan is not None and not isinstance(plan, dict):
        raise InvalidInput('host_network', 'must be a host network plan')
    state_dir = p.get('network_state_dir')
    conn = connection.open_connection(p['libvirt_uri'])
    try:
        driver.require_domain(conn, uuid)
        if call.check_mode:
            return {'changed': True}
        out = {'changed': False, 'plugged': []}
        if p['action'] == 'attach_interface':
            bridge = None
            if plan is not None:
                net = host_side.converge(plan, prune=False, state_dir=state_dir)
                out['changed'] = net['changed']
                bridge = dict((x['id'], x['bridge']) for x in plan.get('ports') or []).get(vif['id'])
            if bridge is not None:
                nic = dxml.interface_xml(dict(vif, network=dict(vif['network'], bridge=bridge)))
                try:
                    res = driver.attach_interface(conn, uuid, nic)
                except Exception:
                    host_side.converge(_without_port(plan, vif['id']), prune=True, state_dir=state_dir)
                    raise
                out.update(changed=out['changed'] or res['changed'], domain_xml=res['domain_xml'], plugged=[vif['id']])
        else:
            if not vif.get('address'):
                raise InvalidInput('vif.address', 'is required to find the NIC')
            res = driver.detach_interface(conn, uuid, vif['address'])
            out.update(changed=res['changed'], domain_xml=res['domain_xml'])
            if plan is not None:
                net = host_side.converge(plan, prune=True, state_dir=state_dir)
                out['changed'] = out['changed'] or net['changed']
        out.update(driver.get_info(conn, uuid) or {})
        return out
    finally:
        conn.close()


def console_log(call):
    """Read-only: the tail of the instance's console log (Nova's get_console_output)."""
    p = call.params
    _need_libvirt()
    settings = driver.settings_from_params(p)
    uuid = disk.validate_uuid(p['instance'])
    conn = connection.open_connection(settings['libvirt_uri'], readonly=True)
    try:
        out = driver.console_output(conn, uuid, settings['instances_path'], p['length'])
    finally:
        conn.close()
    return dict(out, changed=False)


def _read_domain(call, reader):
    """A read-only look at the instance's domain: ``reader(conn, uuid)`` on a read-only connection."""
    p = call.params
    _need_libvirt(lxml=True)
    uuid = disk.validate_uuid(p['instance'])
    conn = connection.open_connection(p['libvirt_uri'], readonly=True)
    try:
        out = reader(conn, uuid)
    finally:
        conn.close()
    return dict(out, changed=False)


def console_ports(call):
    """Read-only: where the instance's VNC and serial consoles listen now (Nova's get_vnc_console on the host)."""
    return _read_domain(call, driver.console_ports)


def domain_diagnostics(call):
    """Read-only: the running domain's counters (Nova's get_diagnostics / get_instance_diagnostics)."""
    from ansible_collections.novalite.compute.plugins.module_utils.virt import diagnostics
    return _read_domain(call, diagnostics.read)


# -- disks and the image cache ----------------------------------------------

def _ensure_disks(path, inst, force_raw):
    base = imagecache.ensure_base(path, inst.get('image'), force_raw)
    copied = base['copied_bytes']
    extra = {}
    for name in ('kernel', 'ramdisk'):
        if inst.get(name):
            extra[name] = imagecache.ensure_base(path, inst[name], convert=False, what=name)
            copied += extra[name]['copied_bytes']
    out = disk.create_instance_disks(path, inst, base, extra.get('kernel'), extra.get('ramdisk'))
    out.update(base=base['path'], bases_copied=copied)
    return out


def instance_disk(call):
    settings = driver.settings_from_params(call.params)
    path = settings['instances_path']
    inst = call.params['instance']
    uuid = disk.validate_uuid(inst)
    idir = disk.instance_dir(path, uuid)
    if call.params['state'] == 'absent':
        if call.check_mode:
            return dict(changed=os.path.exists(idir), instance_dir=idir)
        return dict(changed=disk.delete_instance_files(path, uuid), instance_dir=idir)
    existing = disk.existing_disks(path, uuid)
    if call.check_mode:
        layout = existing or disk.planned_disks(path, inst)
        return dict(layout, changed=existing is None, created=False, bases_copied=0)
    result = _ensure_disks(path, inst, settings['force_raw_images'])
    return dict(result, changed=result['created'] or result['bases_copied'] > 0)


def image_cache(call):
    p = call.params
    settings = driver.settings_from_params(p)
    path = settings['instances_path']
    if p['remove_unused']:
        result = imagecache.age(path, p['max_age'], call.check_mode)
        return dict(result, changed=bool(result['removed']))
    if p['image'] is None:
        raise InvalidInput('image', 'is required unless remove_unused is true')
    if call.check_mode:
        base = os.path.join(imagecache.base_dir(path), imagecache.base_name(p['image'].get('id')))
        return dict(changed=not os.path.exists(base), path=base, copied_bytes=0)
    result = imagecache.ensure_base(path, p['image'], settings['force_raw_images'])
    return dict(result, changed=result['fetched'])


def instance_snapshot(call):
    """The root disk flattened into a staging file (virt/snapshot.py), or that file removed (state absent)."""
    from ansible_collections.novalite.compute.plugins.module_utils.virt import snapshot
    p = call.params
    _need_libvirt()
    settings = driver.settings_from_params(p)
    uuid = disk.validate_uuid(p['instance'])
    image_id = snapshot.check_image_id(p['image_id'])
    if p['state'] == 'absent':
        there = os.path.isdir(snapshot.staging_dir(settings['instances_path'], image_id))
        if call.check_mode:
            return {'changed': there}
        return {'changed': snapshot.remove_staging(settings['instances_path'], image_id)}
    timeout = _shutdown_timeout(p)
    conn = connection.open_connection(settings['libvirt_uri'])
    try:
        if call.check_mode:
            driver.require_domain(conn, uuid)
            return {'changed': True}
        stopped = {}
        if p['power_off']:
            # Nova's shelve: _power_off_instance, then the snapshot of the shut-off disk
            driver.require_domain(conn, uuid)
            stopped = driver.ensure_state(conn, {'uuid': uuid}, settings, 'stopped', False, timeout)
        out = driver.snapshot(conn, uuid, settings['instances_path'], image_id, p['live'])
        if 'clean_shutdown' in stopped:
            out['clean_shutdown'] = stopped['clean_shutdown']
    finally:
        conn.close()
    return dict(out, changed=True)


def instance_move(call):
    """One step of a resize / cold migration on this host (virt/move.py)."""
    from ansible_collections.novalite.compute.plugins.module_utils.virt import move
    p = call.params
    timeout = _shutdown_timeout(p)
    _need_libvirt()
    settings = driver.settings_from_params(p)
    disk.validate_uuid(p['instance'])
    if call.check_mode:
        return {'changed': True, 'step': p['move'].get('step')}
    # the server's ports as an instance call's: plugged before the step (a guest started here gets its NICs),
    # the host's network pruned after it (the ports the move took away)
    step = {'host_network': p.get('host_network'), 'instance': p['instance']}
    network = _plug(p, [step], False)
    conn = connection.open_connection(settings['libvirt_uri'])
    try:
        out = move.run_step(conn, step['instance'], settings, p['move'], timeout, p.get('migration_ssh'))
    finally:
        conn.close()
    if network is not None:
        out['network'] = _unplug(p, [step], network, [out], False)
        out['changed'] = out['changed'] or out['network']['changed']
    return out


def instance_live_migrate(call):
    """One step of a live migration on this host (virt/live_migration.py), with its ports' network around it."""
    from ansible_collections.novalite.compute.plugins.module_utils.virt import live_migration
    p = call.params
    _need_libvirt()
    settings = driver.settings_from_params(p)
    disk.validate_uuid(p['instance'])
    step = (p['live_migration'] or {}).get('step')
    if call.check_mode:
        return {'changed': step not in ('force_complete', 'abort'), 'step': step}
    plan = p.get('host_network') if p.get('host_networking', True) else None
    network = None
    if plan:   # only then: host_side is the largest module_utils file to compile
        from ansible_collections.novalite.compute.plugins.module_utils.network import host_side
    if plan and step == 'prepare_destination':
        # the server's ports plugged before the guest arrives (nothing else removed)
        network = host_side.converge(plan, prune=False, state_dir=p['network_state_dir'])
    conn = connection.open_connection(settings['libvirt_uri'])
    try:
        out = live_migration.run_step(conn, p['instance'], settings, p['live_migration'], p.get('migration_ssh'))
    finally:
        conn.close()
    if plan and step in ('migrate', 'rollback_dest') and not out.get('failed') and not out.get('aborted'):
        # the guest left this host (or never came): its ports' bridges, reservations and filters go
        network = host_side.converge(plan, prune=True, state_dir=p['network_state_dir'])
    if network is not None:
        out['network'] = {'changed': bool(network['actions']), 'actions': network['actions']}
    return out
