# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's libvirt driver, per host: spawn and the power lifecycle of one instance.

Every function takes an open libvirt connection (``connection.open_connection``)
so a module call uses exactly one. Host side only: the instance spec and host
settings come in as arguments, results go back as dicts for a controller task
to record. Nothing is left half-made: a failed spawn undefines the domain and
removes the instance directory before raising.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import time

from ansible_collections.novalite.compute.plugins.module_utils import rescue_devices, states
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, HypervisorError, InvalidInput, NotFound, NovaliteError,
)
from ansible_collections.novalite.compute.plugins.module_utils.files import write_atomically
from ansible_collections.novalite.compute.plugins.module_utils.virt import (
    config_drive, connection, disk, domain_xml, imagecache,
)

try:
    import libvirt
    HAS_LIBVIRT = True
except ImportError:  # pragma: no cover - reported by the module
    libvirt = None
    HAS_LIBVIRT = False

DEFAULT_INSTANCES_PATH = '/var/lib/novalite/instances'
DEFAULT_SHUTDOWN_TIMEOUT = 60  # Nova's shutdown_timeout
POLL_INTERVAL = 0.25

# virDomainState names, as `virsh domstate` prints them.
STATE_NAMES = {0: 'nostate', 1: 'running', 2: 'blocked', 3: 'paused', 4: 'shutdown',
               5: 'shutoff', 6: 'crashed', 7: 'pmsuspended'}
DESIRED_STATES = ('running', 'present', 'stopped', 'paused', 'suspended', 'absent')


def host_settings(instances_path=None, libvirt_uri=None, vnc_listen=None, force_raw_images=True,
                  virt_type=None, **_ignored):
    """Host settings with Nova's/novalite's defaults filled in."""
    if virt_type not in (None, '', 'kvm', 'qemu'):
        raise InvalidInput('virt_type', 'must be kvm or qemu, got %r' % (virt_type,))
    path = instances_path or DEFAULT_INSTANCES_PATH
    if not os.path.isabs(path):
        raise InvalidInput('instances_path', 'must be an absolute path: %r' % path)
    return {
        'instances_path': path,
        'libvirt_uri': libvirt_uri or connection.DEFAULT_URI,
        'vnc_listen': vnc_listen or domain_xml.DEFAULT_VNC_LISTEN,
        'force_raw_images': True if force_raw_images is None else bool(force_raw_images),
        'virt_type': virt_type or None,
    }


def _err(exc, what):
    msg = exc.get_error_message() if hasattr(exc, 'get_error_message') else str(exc)
    return HypervisorError('%s: %s' % (what, msg), field='instance')


def lookup(conn, uuid):
    """The libvirt domain of an instance uuid, or None."""
    try:
        return conn.lookupByUUIDString(uuid)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            return None
        raise _err(exc, 'looking up domain %s' % uuid)


def domain_info(dom):
    """power_state (Nova's int), libvirt state name, managed save flag, and a desired-state word."""
    state, _reason = dom.state()
    managed = bool(dom.hasManagedSaveImage(0))
    name = STATE_NAMES.get(state, 'nostate')
    if state in (1, 2):
        status = 'running'
    elif state == 3:
        status = 'paused'
    elif state == 5 and managed:
        status = 'suspended'  # Nova's suspend: state saved to disk, domain shut off
    elif state in (4, 5, 6):
        status = 'stopped'
    else:
        status = name
    power_state = states.LIBVIRT_POWER_STATE.get(state, states.NOSTATE)
    if status == 'suspended':
        power_state = states.SUSPENDED_POWER
    return {
        'uuid': dom.UUIDString(),
        'name': dom.name(),
        'power_state': power_state,
        'power_state_name': states.POWER_STATE_NAMES.get(power_state, 'NOSTATE'),
        'domain_state': name,
        'status': status,
        'has_managed_save': managed,
    }


def get_info(conn, uuid):
    """``domain_info`` of the instance, or None when libvirt has no such domain."""
    dom = lookup(conn, uuid)
    return domain_info(dom) if dom is not None else None


def list_domains(conn):
    """All domains (for reconcile) with uuid, name, power state and whether they are novalite's."""
    out = []
    for dom in conn.listAllDomains(0):
        info = domain_info(dom)
        try:
            dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, domain_xml.NOVALITE_NS, 0)
            ours = True
        except libvirt.libvirtError:
            ours = False
        info['novalite'] = ours
        out.append(info)
    return out


def _wait_for(dom, predicate, timeout):
    deadline = time.time() + timeout
    while True:
        try:
            if predicate():
                return True
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return True
            raise
        if time.time() >= deadline:
            return False
        time.sleep(POLL_INTERVAL)


SHUTDOWN_RETRY_INTERVAL = 10  # Nova re-sends the ACPI request: a guest still booting may miss the first


def _clean_shutdown(dom, timeout):
    """ACPI shutdown requests until the domain is off or ``timeout`` s pass. True when it went off."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if not dom.isActive():
                return True
            dom.shutdown()
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return True
            if not dom.isActive():
                return True
        if _wait_for(dom, lambda: not dom.isActive(), min(SHUTDOWN_RETRY_INTERVAL, deadline - time.time())):
            return True
    return not dom.isActive()


def destroy_if_active(dom):
    """Hard power-off of ``dom`` when it runs (a domain that stopped or vanished meanwhile is not an error)."""
    try:
        if dom.isActive():
            dom.destroy()
    except libvirt.libvirtError as exc:
        if exc.get_error_code() not in (libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_OPERATION_INVALID):
            raise _err(exc, 'destroying %s' % dom.name())


def undefine(dom):
    """Undefine ``dom`` with its managed save, snapshot metadata and NVRAM (gone already: nothing to do)."""
    flags = (libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
             | getattr(libvirt, 'VIR_DOMAIN_UNDEFINE_NVRAM', 0))
    try:
        dom.undefineFlags(flags)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            return
        # Older libvirt or drivers without NVRAM support reject that flag: retry without it.
        try:
            dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
        except libvirt.libvirtError as exc2:
            if exc2.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise _err(exc2, 'undefining %s' % dom.name())


def render_for(conn, instance, settings, disks):
    """(domain XML, virt_type) exactly as ``spawn`` renders it, so re-rendering compares equal."""
    virt_type = settings.get('virt_type') or connection.detect_virt_type(conn)
    settings = dict(settings, serial_port=serial_console_port(conn, instance['uuid'], settings.get('vnc_listen')))
    probe_dir = disks['instance_dir'] if os.path.isdir(disks['instance_dir']) else settings['instances_path']
    direct = domain_xml.supports_direct_io(probe_dir) if os.path.isdir(probe_dir) else True
    return domain_xml.render(instance, disks, settings, virt_type, 'none' if direct else 'writeback'), virt_type


def spawn(conn, instance, settings, start=True):
    """Boot an instance in one call: cache the image, make the disks, define and start the domain.

    Returns ``domain_info`` plus ``domain_xml`` (what was defined: the controller
    stores it for hard reboots), ``instance_dir``, ``disks``, ``bases_copied``
    (bytes copied into the image cache by this call: 0 when cached), ``virt_type``
    and ``timing`` (seconds per step). On failure the domain and the instance
    directory made by this call are removed, then the error is raised.
    """
    settings = host_settings(**settings)
    uuid = disk.validate_uuid(instance)
    if not instance.get('name'):
        raise InvalidInput('instance.name', 'is required (the libvirt domain name)')
    if not isinstance(instance.get('image'), dict):
        raise InvalidInput('instance.image', 'is required')
    if lookup(conn, uuid) is not None:
        raise Conflict('instance %s already has a domain on this host' % uuid, field='instance.uuid')
    try:
        conn.lookupByName(instance['name'])
        raise Conflict('a domain named %s already exists' % instance['name'], field='instance.name')
    except libvirt.libvirtError:
        pass
    timing = {}
    t0 = time.time()
    path = settings['instances_path']
    base = imagecache.ensure_base(path, instance['image'], settings['force_raw_images'])
    copied = base['copied_bytes']
    kernel = ramdisk = None
    if instance.get('kernel'):
        kernel = imagecache.ensure_base(path, instance['kernel'], convert=False, what='kernel')
        copied += kernel['copied_bytes']
    if instance.get('ramdisk'):
        ramdisk = imagecache.ensure_base(path, instance['ramdisk'], convert=False, what='ramdisk')
        copied += ramdisk['copied_bytes']
    timing['ensure_base'] = round(time.time() - t0, 3)

    t1 = time.time()
    disks = disk.create_instance_disks(path, instance, base, kernel, ramdisk)
    timing['create_disks'] = round(time.time() - t1, 3)
    dom = None
    try:
        t2 = time.time()
        with serial_ports_held(path):
            xml, virt_type = render_for(conn, instance, settings, disks)
            try:
                dom = conn.defineXML(xml)
            except libvirt.libvirtError as exc:
                raise _err(exc, 'defining domain %s' % instance['name'])
        timing['define'] = round(time.time() - t2, 3)
        if start:
            t3 = time.time()
            try:
                dom.create()
            except libvirt.libvirtError as exc:
                raise _err(exc, 'starting domain %s' % instance['name'])
            timing['start'] = round(time.time() - t3, 3)
    except BaseException:
        if dom is not None:
            destroy_if_active(dom)
            undefine(dom)
        if disks.get('created'):
            disk.delete_instance_files(path, uuid)
        raise
    timing['total'] = round(time.time() - t0, 3)
    out = domain_info(dom)
    out.update({'domain_xml': xml, 'instance_dir': disks['instance_dir'], 'disks': disks,
                'bases_copied': copied, 'base': base['path'], 'virt_type': virt_type, 'timing': timing})
    return out


def require_domain(conn, uuid):
    dom = lookup(conn, uuid)
    if dom is None:
        raise NovaliteError('instance %s has no domain on this host' % uuid, field='instance.uuid')
    return dom


def power_off(conn, uuid, timeout=DEFAULT_SHUTDOWN_TIMEOUT):
    """Nova's stop: ACPI shutdown, poll up to ``timeout`` s, then destroy. Returns {'clean': bool}.

    timeout 0 destroys at once. A paused guest cannot answer ACPI, so it is destroyed.
    """
    dom = require_domain(conn, uuid)
    if not dom.isActive():
        return {'clean': True, 'changed': False}
    clean = False
    if timeout > 0 and dom.state()[0] != libvirt.VIR_DOMAIN_PAUSED:
        clean = _clean_shutdown(dom, timeout)
    if not clean:
        destroy_if_active(dom)
    return {'clean': clean, 'changed': True}


def power_on(conn, uuid):
    """Start a shut-off domain (restoring a managed save if there is one)."""
    dom = require_domain(conn, uuid)
    if dom.isActive():
        return False
    try:
        dom.create()
    except libvirt.libvirtError as exc:
        if _started_by_another_call(dom, exc):
            return False
        raise _err(exc, 'starting %s' % dom.name())
    return True


# How long a start that another call left to libvirtd may take to finish (a TCG host under load).
START_IN_FLIGHT_SECONDS = 60


def _started_by_another_call(dom, exc):
    """Whether a failed start met a start that another call had begun, and the domain is now running.

    A call killed mid-start (a crashed job worker's run) leaves libvirtd starting the domain. The resumed
    call saw it shut off and starts it too: libvirt answers that second start, once it holds the domain's
    job, with "domain is already running", or times out waiting for the job while a slow start goes on.
    """
    deadline = time.time() + START_IN_FLIGHT_SECONDS
    while True:
        try:
            if dom.isActive():
                return True
        except libvirt.libvirtError:
            return False
        if exc.get_error_code() != libvirt.VIR_ERR_OPERATION_TIMEOUT or time.time() > deadline:
            return False
        time.sleep(0.5)


def pause(conn, uuid):
    """Nova's pause: vCPUs stop, memory stays in RAM (libvirt suspend)."""
    dom = require_domain(conn, uuid)
    if dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED:
        return False
    if not dom.isActive():
        raise Conflict('instance %s is not running: cannot pause' % uuid, field='state')
    dom.suspend()
    return True


def unpause(conn, uuid):
    dom = require_domain(conn, uuid)
    if dom.state()[0] != libvirt.VIR_DOMAIN_PAUSED:
        return False
    try:
        dom.resume()
    except libvirt.libvirtError as exc:
        # Paused is also how a domain looks while libvirtd starts it: a start another call began ends running.
        if dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING:
            return False
        raise _err(exc, 'unpausing %s' % dom.name())
    return True


def suspend(conn, uuid):
    """Nova's suspend: libvirt managed save (memory state to disk, domain shut off)."""
    dom = require_domain(conn, uuid)
    if not dom.isActive():
        if dom.hasManagedSaveImage(0):
            return False
        raise Conflict('instance %s is not running: cannot suspend' % uuid, field='state')
    try:
        dom.managedSave(0)
    except libvirt.libvirtError as exc:
        raise _err(exc, 'managed save of %s' % dom.name())
    return True


def resume(conn, uuid):
    """Nova's resume: start the domain, which restores the managed save."""
    dom = require_domain(conn, uuid)
    if dom.isActive():
        return False
    if not dom.hasManagedSaveImage(0):
        raise Conflict('instance %s is not suspended: cannot resume' % uuid, field='state')
    return power_on(conn, uuid)


def reboot(conn, uuid, reboot_type='SOFT', domain_xml_text=None, timeout=DEFAULT_SHUTDOWN_TIMEOUT):
    """Nova's reboot. Returns {'type': 'SOFT'|'HARD', 'fell_back': bool}.

    SOFT: ACPI shutdown, wait up to ``timeout`` s, start again; if the guest did not
    shut down, fall back to HARD. HARD: destroy, redefine from ``domain_xml_text``
    (the stored XML; the current definition when None), start.
    """
    reboot_type = (reboot_type or 'SOFT').upper()
    if reboot_type not in ('SOFT', 'HARD'):
        raise InvalidInput('reboot_type', 'must be SOFT or HARD')
    dom = require_domain(conn, uuid)
    if reboot_type == 'SOFT':
        if dom.isActive() and dom.state()[0] != libvirt.VIR_DOMAIN_PAUSED:
            if _clean_shutdown(dom, timeout):
                try:
                    dom.create()
                    return {'type': 'SOFT', 'fell_back': False}
                except libvirt.libvirtError:
                    pass
        result = reboot(conn, uuid, 'HARD', domain_xml_text, timeout)
        result['fell_back'] = True
        return result
    destroy_if_active(dom)
    if domain_xml_text:
        try:
            dom = conn.defineXML(domain_xml_text)
        except libvirt.libvirtError as exc:
            raise _err(exc, 'redefining %s' % dom.name())
    if dom.hasManagedSaveImage(0):
        dom.managedSaveRemove(0)  # a hard reboot boots fresh, as Nova's does
    try:
        dom.create()
    except libvirt.libvirtError as exc:
        raise _err(exc, 'starting %s' % dom.name())
    return {'type': 'HARD', 'fell_back': False}


def destroy(conn, uuid, instances_path=DEFAULT_INSTANCES_PATH, destroy_disks=True):
    """Nova's delete on the host: destroy + undefine (managed save, snapshot metadata, NVRAM)
    and remove the instance directory (kept without ``destroy_disks``: Nova's flag, for a directory on
    shared storage another host now runs the guest from); the cached base stays. Idempotent."""
    disk.validate_uuid({'uuid': uuid})
    changed = False
    dom = lookup(conn, uuid)
    if dom is not None:
        destroy_if_active(dom)
        undefine(dom)
        changed = True
    if destroy_disks and disk.delete_instance_files(instances_path, uuid):
        changed = True
    return changed


REBUILD_MARK = 'rebuild.id'   # in the instance directory: the rebuild request that made its disks


def _read_mark(path):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return None


# nova/compute/manager.py's InvalidSharedStorage message, when the caller's word on shared storage is wrong
INVALID_SHARED_STORAGE = 'Invalid state of instance files on shared storage'


def evacuate_on_shared_storage(asked, on_disk):
    """Whether an evacuation keeps the disks it finds (Nova's _do_rebuild_instance): ``on_disk`` (the instance's
    disks here with no domain of it, Nova's ``instance_on_disk``) decides when the caller said nothing
    (``asked`` None, from 2.14); a word (before 2.14) that differs from it fails the evacuation."""
    if asked is not None and bool(asked) != bool(on_disk):
        raise NovaliteError(INVALID_SHARED_STORAGE)
    return bool(on_disk)


def rebuild(conn, instance, settings, rebuild_id, preserve_ephemeral=False, start=True,
            shutdown_timeout=DEFAULT_SHUTDOWN_TIMEOUT, evacuate=False, on_shared_storage=None):
    """Nova's rebuild on the host: power off (cleanly, up to ``shutdown_timeout`` s), destroy and undefine
    the domain, remove the instance's disks, then spawn it again from ``instance['image']`` (new overlay,
    new config drive, empty console log), started when ``start``.

    ``evacuate``: the rebuild of an evacuation on this (destination) host. When the instance's disks are
    already here with no domain of it, its directory is on storage shared with the failed host (Nova's
    ``instance_on_disk``): the guest is recreated from those disks, its data kept, nothing removed
    (``on_shared_storage`` true). With ``on_shared_storage`` given (the caller's word, before 2.14) and not what
    is found here, nothing is touched and NovaliteError (Nova's InvalidSharedStorage) is raised.
    ``preserve_ephemeral`` keeps disk.local. Done once per ``rebuild_id``: a
    repeated call (a resumed job) finds the mark its first run left and does nothing. Returns {'rebuilt',
    'clean_shutdown', 'timing', 'bases_copied', 'on_shared_storage'}.
    """
    settings = host_settings(**settings)
    uuid = disk.validate_uuid(instance)
    path = settings['instances_path']
    idir = disk.instance_dir(path, uuid)
    mark = os.path.join(idir, REBUILD_MARK)
    if rebuild_id and _read_mark(mark) == rebuild_id and lookup(conn, uuid) is not None:
        return {'rebuilt': False, 'clean_shutdown': None, 'bases_copied': 0, 'timing': 0.0,
                'on_shared_storage': bool(evacuate) and _read_mark(os.path.join(idir, EVACUATED_ON_SHARED)) == rebuild_id}
    t0 = time.time()
    dom = lookup(conn, uuid)
    if evacuate and evacuate_on_shared_storage(on_shared_storage,
                                               dom is None and disk.existing_disks(path, uuid) is not None):
        out = _recreate_on_shared_storage(conn, instance, settings, start)
    else:
        out = _rebuild_from_image(conn, instance, settings, dom, preserve_ephemeral, start, shutdown_timeout)
    out['timing'] = round(time.time() - t0, 3)
    # the one place the marks are written: the rebuild's, and on shared storage that the disks were kept
    for name in [mark] + ([os.path.join(idir, EVACUATED_ON_SHARED)] if out['on_shared_storage'] else []):
        with open(name, 'w') as handle:
            handle.write(rebuild_id or '')
    return out


def _rebuild_from_image(conn, instance, settings, dom, preserve_ephemeral, start, shutdown_timeout):
    """A rebuild's new disks from the instance's image (the old domain and disks gone; disk.local kept on ask)."""
    uuid, path = instance['uuid'], settings['instances_path']
    idir = disk.instance_dir(path, uuid)
    clean = None
    if dom is not None:
        if dom.isActive():
            clean = power_off(conn, uuid, shutdown_timeout)['clean']
        destroy_if_active(dom)
        undefine(dom)
    local = os.path.join(idir, 'disk.local')
    kept = os.path.join(path, '.%s.disk.local' % uuid) if preserve_ephemeral and os.path.isfile(local) else None
    if kept:
        os.rename(local, kept)   # same filesystem: the instance directory's parent
    disk.delete_instance_files(path, uuid)
    try:
        out = spawn(conn, instance, settings, start=False)
        if kept:
            os.rename(kept, local)
            kept = None
        if start:
            power_on(conn, uuid)
    except BaseException:
        if kept and os.path.exists(kept):
            os.unlink(kept)
        raise
    return {'rebuilt': True, 'clean_shutdown': clean, 'bases_copied': out['bases_copied'],
            'spawn_timing': out['timing'], 'on_shared_storage': False}


# in a shared instance directory: an evacuation recreated the guest from these disks (a repeated call says so)
EVACUATED_ON_SHARED = 'evacuated.id'


def _recreate_on_shared_storage(conn, instance, settings, start):
    """An evacuation onto storage shared with the failed host: define and start the guest from its disks."""
    out = spawn(conn, instance, settings, start=start)   # create_instance_disks reuses the disks it finds
    return {'rebuilt': True, 'clean_shutdown': None, 'bases_copied': out['bases_copied'],
            'spawn_timing': out['timing'], 'on_shared_storage': True}


UNRESCUE_XML = 'unrescue.xml'   # in the instance directory while rescued: the original definition (Nova's)


def _is_rescue_domain(dom, rescue_disk):
    """Whether the domain's definition boots ``rescue_disk`` (the rescue layout)."""
    from lxml import etree
    doc = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode('utf-8'))
    return rescue_disk in doc.xpath('/domain/devices/disk/source/@file')


def _remove(paths):
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass


def rescue(conn, instance, settings, image, shutdown_timeout=DEFAULT_SHUTDOWN_TIMEOUT):
    """Nova's libvirt rescue: keep the domain's definition in ``unrescue.xml``, power the guest off (cleanly, up
    to ``shutdown_timeout`` s), make ``disk.rescue`` (an overlay of ``image``, the rescue image, at its own size)
    and, when the server has a config drive, ``disk.config.rescue``; then define the rescue layout (rescue disk
    vda, the root disk vdb: ``disk.rescue_disks``, rendered by ``domain_xml.render``) and start it. A rescue
    image with ``hw_rescue_device`` / ``hw_rescue_bus`` gets Nova's stable device rescue instead: every disk
    where it was, the rescue disk added on that bus and booted first (``disk.stable_rescue_disks``).

    Done once: a server already rescued is left as it is (``rescued`` False). A failure puts the original
    definition back and removes the rescue files before raising (the guest stays off). Returns {'rescued',
    'clean_shutdown', 'bases_copied', 'timing'}.
    """
    settings = host_settings(**settings)
    uuid = disk.validate_uuid(instance)
    if not isinstance(image, dict) or not image.get('id'):
        raise InvalidInput('rescue.image', 'is required (the rescue image)')
    stable = rescue_devices.stable_rescue_device(image.get('properties'))   # checked before anything changes
    path = settings['instances_path']
    idir = disk.instance_dir(path, uuid)
    dom = require_domain(conn, uuid)
    existing = disk.existing_disks(path, uuid)
    if existing is None:
        raise NovaliteError('instance %s has no disks on this host' % uuid, field='instance.uuid')
    saved = os.path.join(idir, UNRESCUE_XML)
    rescue_disk = os.path.join(idir, disk.RESCUE_DISK)
    rescued = _is_rescue_domain(dom, rescue_disk)
    if rescued and os.path.exists(saved):
        return {'rescued': False, 'clean_shutdown': None, 'bases_copied': 0, 'timing': 0.0}
    if rescued:
        raise NovaliteError('instance %s boots %s but its original definition (%s) is gone'
                            % (uuid, disk.RESCUE_DISK, UNRESCUE_XML), field='instance.uuid')
    t0 = time.time()
    original = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    write_atomically(saved, original)
    clean = None
    made = [saved]
    try:
        if dom.isActive():
            clean = power_off(conn, uuid, shutdown_timeout)['clean']
        if dom.hasManagedSaveImage(0):
            dom.managedSaveRemove(0)   # the rescue guest boots fresh
        base = imagecache.ensure_base(path, image, settings['force_raw_images'])
        _remove([rescue_disk])         # one an interrupted rescue left: made again
        made.append(rescue_disk)
        disk.create_overlay(rescue_disk, base['path'], base['format'], base['virtual_size'])
        if stable:
            # Nova's stable device rescue: every disk where it was, the rescue disk added last and booted first
            layout = disk.stable_rescue_disks(existing, rescue_disk, *stable)
        else:
            drive = None
            if existing.get('config_drive'):
                drive = os.path.join(idir, disk.RESCUE_CONFIG_DRIVE)
                made.append(drive)
                config_drive.build(drive, instance)
            layout = disk.rescue_disks(existing, rescue_disk, drive)
        xml, _virt_type = render_for(conn, instance, settings, layout)
        try:
            dom = conn.defineXML(xml)
            dom.create()
        except libvirt.libvirtError as exc:
            raise _err(exc, 'starting the rescue domain of %s' % (instance.get('name') or uuid))
    except BaseException:
        current = lookup(conn, uuid)
        if current is not None:
            destroy_if_active(current)
        try:
            conn.defineXML(original)
        except libvirt.libvirtError:
            pass
        _remove(made)
        raise
    return {'rescued': True, 'clean_shutdown': clean, 'bases_copied': base['copied_bytes'],
            'timing': round(time.time() - t0, 3)}


def unrescue(conn, instance, settings):
    """Nova's libvirt unrescue: destroy the rescue guest, define the original domain again from
    ``unrescue.xml`` and start it, then remove ``unrescue.xml`` and the ``*.rescue`` files.

    A server not rescued (a repeated call) is left as it is (``unrescued`` False). Returns {'unrescued'}.
    """
    settings = host_settings(**settings)
    uuid = disk.validate_uuid(instance)
    idir = disk.instance_dir(settings['instances_path'], uuid)
    dom = require_domain(conn, uuid)
    saved = os.path.join(idir, UNRESCUE_XML)
    if not os.path.exists(saved):
        if _is_rescue_domain(dom, os.path.join(idir, disk.RESCUE_DISK)):
            raise NovaliteError('instance %s is rescued but its original definition (%s) is gone'
                                % (uuid, UNRESCUE_XML), field='instance.uuid')
        return {'unrescued': False}
    with open(saved) as handle:
        original = handle.read()
    destroy_if_active(dom)
    try:
        dom = conn.defineXML(original)
        dom.create()
    except libvirt.libvirtError as exc:
        raise _err(exc, 'starting %s again from its original definition' % dom.name())
    _remove([saved] + [os.path.join(idir, name) for name in sorted(os.listdir(idir)) if name.endswith('.rescue')])
    return {'unrescued': True}


# Nova's libvirt driver returns at most the last 100 KiB of the console log (MAX_CONSOLE_BYTES).
MAX_CONSOLE_BYTES = 100 * 1024
# Nova's API removes these (nova/api/openstack/compute/console_output.py)
_CONSOLE_CONTROL = re.compile('[\x00-\x08\x0B-\x1F]')


def console_output(conn, uuid, instances_path=DEFAULT_INSTANCES_PATH, length=None):
    """Nova's get_console_output: the tail of the instance's console log as text.

    At most the last MAX_CONSOLE_BYTES of the file, then its last ``length`` lines (None: all; 0: none),
    decoded as ASCII (others replaced) with control characters but tab and newline removed. The domain
    must exist on this host (NotFound otherwise); a log not written yet is empty. Returns {'output',
    'truncated_bytes'}.
    """
    disk.validate_uuid({'uuid': uuid})
    if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 0):
        raise InvalidInput('length', 'must be a number of lines (0 or more), got %r' % (length,))
    if lookup(conn, uuid) is None:
        raise NotFound('Instance', uuid, field='instance.uuid')
    log = os.path.join(disk.instance_dir(instances_path, uuid), 'console.log')
    data, skipped = b'', 0
    if os.path.exists(log):
        with open(log, 'rb') as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            skipped = max(0, size - MAX_CONSOLE_BYTES)
            handle.seek(skipped)
            data = handle.read()
    if length is not None:
        data = b'\n'.join(data.split(b'\n')[-length:]) if length else b''
    text = _CONSOLE_CONTROL.sub('', data.decode('ascii', 'replace'))
    return {'output': text, 'truncated_bytes': skipped}


def define(conn, xml, check_mode=False):
    """Define ``xml`` unless libvirt already holds a semantically equal definition.

    Returns {'changed', 'diff' (Ansible before/after, normalised), 'domain_xml'}.
    """
    from ansible_collections.novalite.compute.plugins.module_utils.virt import xml_compare
    from lxml import etree
    doc = etree.fromstring(xml.encode('utf-8'))
    uuid = doc.findtext('uuid')
    if not uuid:
        raise InvalidInput('xml', 'the domain XML has no uuid')
    dom = lookup(conn, uuid)
    current = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) if dom is not None else None
    if current is not None and xml_compare.equivalent(xml, current):
        return {'changed': False, 'diff': xml_compare.diff(xml, current), 'domain_xml': current}
    diff = xml_compare.diff(xml, current) if current is not None else {
        'before': '', 'after': xml_compare.normalised(xml)[0]}
    if check_mode:
        return {'changed': True, 'diff': diff, 'domain_xml': current}
    try:
        dom = conn.defineXML(xml)
    except libvirt.libvirtError as exc:
        raise _err(exc, 'defining domain')
    return {'changed': True, 'diff': diff, 'domain_xml': dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)}


def plan(info, state):
    """Steps that take a domain described by ``info`` (None: no domain) to ``state``."""
    if state not in DESIRED_STATES:
        raise InvalidInput('state', 'must be one of %s' % ', '.join(DESIRED_STATES))
    if state == 'absent':
        return ['destroy'] if info is not None else []
    steps = []
    current = 'absent' if info is None else info['status']
    if current == 'absent':
        steps.append('spawn')
        current = 'running'
    if state == 'present' or current == state:
        return steps
    if current in ('nostate', 'pmsuspended'):
        steps.append('power_off')
        current = 'stopped'
    if state == 'stopped':
        if current == 'suspended':
            return steps + ['discard_managed_save']
        return steps + ['power_off']
    # running, paused or suspended: get to running first
    if current == 'suspended':
        steps.append('resume')
        current = 'running_or_paused'  # the restored domain keeps the state it was saved in
    elif current == 'stopped':
        steps.append('power_on')
        current = 'running'
    elif current == 'paused' and state != 'suspended':
        steps.append('unpause')
        current = 'running'
    if state == 'running':
        if current == 'running_or_paused':
            steps.append('unpause')
        return steps
    if state == 'paused':
        return steps + ['pause']
    return steps + ['suspend']


def ensure_state(conn, instance, settings, state, check_mode=False, shutdown_timeout=DEFAULT_SHUTDOWN_TIMEOUT,
                 destroy_disks=True):
    """Make the instance's domain match ``state`` (the ``instance`` module's logic); ``absent`` without
    ``destroy_disks`` keeps the instance directory (see ``destroy``).

    Returns {'changed', 'actions', ...domain_info, 'domain_xml', 'instance_dir',
    'bases_copied', 'timing'}. In check mode only ``actions`` says what would happen.
    """
    settings = host_settings(**settings)
    uuid = disk.validate_uuid(instance)
    t0 = time.time()
    dom = lookup(conn, uuid)
    info = domain_info(dom) if dom is not None else None
    steps = plan(info, state)
    result = {'changed': bool(steps), 'actions': steps, 'bases_copied': 0,
              'instance_dir': disk.instance_dir(settings['instances_path'], uuid)}
    if check_mode:
        if info:
            result.update(info)
        elif steps == ['destroy'] or not steps:
            # Nothing there: make sure a leftover directory would still be removed.
            result['changed'] = state == 'absent' and destroy_disks and os.path.isdir(result['instance_dir'])
        return result
    for step in steps:
        if step == 'spawn':
            out = spawn(conn, instance, settings)
            result['bases_copied'] = out['bases_copied']
            result['spawn_timing'] = out['timing']
            result['virt_type'] = out['virt_type']
        elif step == 'destroy':
            destroy(conn, uuid, settings['instances_path'], destroy_disks)
        elif step == 'power_off':
            result['clean_shutdown'] = power_off(conn, uuid, shutdown_timeout)['clean']
        elif step == 'power_on':
            power_on(conn, uuid)
        elif step == 'resume':
            resume(conn, uuid)
        elif step == 'unpause':
            unpause(conn, uuid)
        elif step == 'pause':
            pause(conn, uuid)
        elif step == 'suspend':
            suspend(conn, uuid)
        elif step == 'discard_managed_save':
            require_domain(conn, uuid).managedSaveRemove(0)
    if state == 'absent':
        # A directory left by an earlier failure goes too (no domain, no steps).
        if not steps and destroy_disks and disk.delete_instance_files(settings['instances_path'], uuid):
            result['changed'] = True
        result.update({'power_state': states.NOSTATE, 'domain_state': None, 'status': 'absent',
                       'domain_xml': None})
    else:
        dom = require_domain(conn, uuid)
        result.update(domain_info(dom))
        result['domain_xml'] = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    result['timing'] = round(time.time() - t0, 3)
    return result


# The host settings a host-side call carries (the modules' HOST_ARGS options, novalite_module.py).
HOST_SETTING_NAMES = ('instances_path', 'libvirt_uri', 'vnc_listen', 'force_raw_images', 'virt_type')


def settings_from_params(params):
    return host_settings(**{k: params.get(k) for k in HOST_SETTING_NAMES})


def snapshot(conn, uuid, instances_path, image_id, live=True):
    """Nova's libvirt snapshot: the root disk flattened into a staging qcow2 (virt/snapshot.py)."""
    from ansible_collections.novalite.compute.plugins.module_utils.virt import snapshot as snap
    return snap.snapshot_disk(conn, uuid, instances_path, image_id, live)


# -- remote consoles ---------------------------------------------------------

def _serial_tcp_ports(doc):
    """The TCP ports of a domain XML's serial consoles (``<serial type='tcp'>``)."""
    out = []
    for source in doc.xpath("/domain/devices/serial[@type='tcp']/source[@mode='bind']"):
        try:
            out.append(int(source.get('service')))
        except (TypeError, ValueError):
            continue
    return out


def _port_free(address, port):
    import socket
    family = socket.AF_INET6 if ':' in (address or '') else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.bind((address or domain_xml.DEFAULT_VNC_LISTEN, port))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def serial_ports_held(instances_path):
    """A host-wide lock from choosing a new domain's serial console port until that domain is defined.

    The port chosen is one no defined domain uses: two spawns at once on one host (the instances module runs a
    host's boots in parallel) would otherwise both choose it before either defines its domain.
    """
    imagecache.ensure_dir(instances_path)
    return imagecache.locked(os.path.join(instances_path, '.serial-console-ports.lock'))


def serial_console_port(conn, uuid, listen=None):
    """The serial console's TCP port for instance ``uuid`` (Nova's serial_console.acquire_port).

    A domain that has one keeps it (re-rendering compares equal, a rescue or reboot keeps the URL's port);
    otherwise the first port of SERIAL_PORT_RANGE, counted from a point the uuid picks, that no domain of
    this host uses and that is free on the console address.
    """
    from lxml import etree
    used = set()
    for dom in conn.listAllDomains(0):
        ports = _serial_tcp_ports(etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE).encode('utf-8')))
        if dom.UUIDString() == uuid and ports:
            return ports[0]
        used.update(ports)
    low, high = domain_xml.SERIAL_PORT_RANGE
    span = high - low
    start = int(uuid.replace('-', '')[:8], 16) % span
    for step in range(span):
        port = low + (start + step) % span
        if port not in used and _port_free(listen, port):
            return port
    raise HypervisorError('no free serial console port in %d-%d on %s' % (low, high, listen), field='instance')


def console_ports(conn, uuid):
    """Where the running guest's consoles listen, read from libvirt's live domain XML (Nova's libvirt
    get_vnc_console / get_serial_console): {'power_state', 'vnc': {'host', 'port'} or None, 'serial': [...]}.

    NotFound when this host has no such domain; a domain that is not running has no console (``vnc`` None).
    """
    from lxml import etree
    disk.validate_uuid({'uuid': uuid})
    dom = lookup(conn, uuid)
    if dom is None:
        raise NotFound('Instance', uuid, field='instance.uuid')
    info = domain_info(dom)
    out = {'power_state': info['power_state'], 'domain_state': info['domain_state'], 'vnc': None, 'serial': []}
    if not dom.isActive():
        return out
    doc = etree.fromstring(dom.XMLDesc(0).encode('utf-8'))
    graphics = doc.find("devices/graphics[@type='vnc']")
    if graphics is not None and graphics.get('port') not in (None, '', '-1'):
        listen = graphics.get('listen') or domain_xml.DEFAULT_VNC_LISTEN
        out['vnc'] = {'host': listen, 'port': int(graphics.get('port'))}
    for source in doc.xpath("/domain/devices/serial[@type='tcp']/source[@mode='bind']"):
        try:
            out['serial'].append({'host': source.get('host') or domain_xml.DEFAULT_VNC_LISTEN,
                                  'port': int(source.get('service'))})
        except (TypeError, ValueError):
            continue
    return out


# ---- interface hot-plug (Nova's attach_interface / detach_interface) -------------------------------------

# Nova's [libvirt] device_detach_timeout (20 s a try) and device_detach_attempts (8): a running or paused guest
# (Nova's "live" states) gets the unplug request again after each wait; a paused guest cannot release the NIC,
# so its detach fails after the last try (InterfaceDetachFailed in Nova: the event in error, the port kept).
DETACH_RETRY_INTERVAL = 20
DETACH_ATTEMPTS = 8
DETACH_TIMEOUT = DETACH_RETRY_INTERVAL * DETACH_ATTEMPTS


def _interfaces_by_mac(dom, mac, flags=0):
    """The ``<interface>`` elements of ``dom``'s XML (live, or ``flags`` VIR_DOMAIN_XML_INACTIVE) with ``mac``."""
    doc = domain_xml.etree.fromstring(dom.XMLDesc(flags).encode('utf-8'))
    return [el for el in doc.findall('./devices/interface')
            if (el.find('mac') is not None and str(el.find('mac').get('address', '')).lower() == mac.lower())]


def _mac_of(interface_xml):
    el = domain_xml.etree.fromstring(interface_xml.encode('utf-8')).find('mac')
    if el is None or not el.get('address'):
        raise InvalidInput('vif.address', 'the interface has no MAC address')
    return el.get('address').lower()


def attach_interface(conn, uuid, interface_xml):
    """Hot-plug the NIC ``interface_xml`` (domain_xml.interface_xml): into the running guest and the persistent
    definition (only the latter when the domain is shut off). A NIC with its MAC already there is left alone.
    Returns {'changed', 'domain_xml': the persistent definition after}."""
    dom = require_domain(conn, uuid)
    mac = _mac_of(interface_xml)
    flags = 0
    if not _interfaces_by_mac(dom, mac, libvirt.VIR_DOMAIN_XML_INACTIVE):
        flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
    if dom.isActive() and not _interfaces_by_mac(dom, mac):
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    if flags:
        try:
            dom.attachDeviceFlags(interface_xml, flags)
        except libvirt.libvirtError as exc:
            raise _err(exc, 'attaching interface %s to %s' % (mac, uuid))
    return {'changed': bool(flags), 'domain_xml': dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)}


def detach_interface(conn, uuid, mac, timeout=DETACH_TIMEOUT):
    """Take the NIC with ``mac`` out of the persistent definition and, when the domain runs, out of the guest:
    the unplug request is repeated until the guest released the device or ``timeout`` seconds passed
    (HypervisorError then, the NIC kept in the running guest). A NIC that is not there is left alone.
    Returns {'changed', 'domain_xml': the persistent definition after}."""
    dom = require_domain(conn, uuid)
    changed = False
    for el in _interfaces_by_mac(dom, mac, libvirt.VIR_DOMAIN_XML_INACTIVE):
        try:
            dom.detachDeviceFlags(domain_xml.etree.tostring(el, encoding='unicode'), libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        except libvirt.libvirtError as exc:
            raise _err(exc, 'detaching interface %s from the definition of %s' % (mac, uuid))
        changed = True
    deadline = time.time() + timeout
    while dom.isActive():
        live = _interfaces_by_mac(dom, mac)
        if not live:
            break
        if time.time() >= deadline:
            raise HypervisorError('the guest of %s did not release interface %s within %d s' % (uuid, mac, timeout),
                                  field='instance')
        try:
            dom.detachDeviceFlags(domain_xml.etree.tostring(live[0], encoding='unicode'),
                                  libvirt.VIR_DOMAIN_AFFECT_LIVE)
        except libvirt.libvirtError as exc:
            # a detach already under way in the guest is not an error: wait for it
            if 'unplug' not in str(exc):
                raise _err(exc, 'detaching interface %s from %s' % (mac, uuid))
        changed = True
        _wait_for(dom, lambda: not _interfaces_by_mac(dom, mac), min(DETACH_RETRY_INTERVAL,
                                                                     max(deadline - time.time(), 0)))
    return {'changed': changed, 'domain_xml': dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)}


def trigger_crash_dump(conn, uuid):
    """Nova's trigger_crash_dump on libvirt: an NMI injected into the running guest (virDomainInjectNMI); what the
    guest does with it (a panic, a kdump, a log line) is its own configuration. A domain that does not run is
    Nova's InstanceNotRunning (Conflict), a hypervisor without NMIs its TriggerCrashDumpNotSupported."""
    dom = require_domain(conn, uuid)
    try:
        dom.injectNMI(0)
    except libvirt.libvirtError as exc:
        code = exc.get_error_code()
        if code == libvirt.VIR_ERR_NO_SUPPORT:
            raise HypervisorError('Triggering crash dump is not supported', field='instance')
        if code == libvirt.VIR_ERR_OPERATION_INVALID:
            raise Conflict('Instance %s is not running.' % uuid, field='instance')
        raise _err(exc, 'injecting an NMI into %s' % uuid)
    return True


def set_admin_password(conn, uuid, user, password):
    """Nova's set_admin_password on libvirt: the QEMU guest agent sets ``user``'s password (virDomainSetUserPassword).
    An agent that does not answer is Nova's NotImplementedError (NotSupported here); other errors are libvirt's."""
    dom = require_domain(conn, uuid)
    try:
        dom.setUserPassword(user, password, 0)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == getattr(libvirt, 'VIR_ERR_AGENT_UNRESPONSIVE', 86):
            raise HypervisorError('set_admin_password is not implemented by this driver or guest instance.',
                                  field='instance')
        # never the password in the message (Nova's InternalError names the user and libvirt's error only)
        raise HypervisorError('Error from libvirt while set password for username "%s": [Error Code %s] %s'
                              % (user, exc.get_error_code(), exc.get_error_message()), field='instance')
    return True
