# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A running server's live migration between compute hosts, host side (Nova's libvirt live migration).

Two steps move the guest, each one host call of the ``instance_live_migrate`` module (compute/live_migration.py
sends them), so a migration costs two host-call rounds where Nova's four RPCs would be four (through the REST
shim both in one ansible run: the source's call handed in as the destination's is recorded, compute/follow_ups.py):

* ``prepare_destination`` (destination; Nova's ``check_can_live_migrate_destination`` and ``pre_live_migration``):
  whether this host sees the instance's directory. Not seen: the instance path is not shared (the source has
  it), and unless a shared-storage migration was asked for the directory is made here with every disk
  pre-created as an empty overlay of the same size on this host's own copy of the same base (the image fetched
  into this host's cache as a boot does; ephemeral and swap bases made again), the config drive made again from
  the instance (Nova copies it: the same content, read-only, never migrated) and disk.info naming this host's
  paths. The disks (format, size, backing file) are read from the running domain on the source's libvirt, as
  Nova's source hands its disk info over (between hosts reached by SSH, over SSH with this host's migration key:
  ``peer_uris``). Seen: a temporary file is made in it, for the source to tell a shared
  directory from a stale one here (Nova's shared-storage test). A failure removes what the step made. Either way
  it says where the guest's consoles will listen here (its console address, a free serial console port).
* ``migrate`` (source; Nova's ``check_can_live_migrate_source`` and ``live_migration``): the shared-storage
  test (the destination's file seen here: shared; removed), which decides ``block_migration: auto`` and refuses a
  block migration over shared storage or a shared one without it (Nova's InvalidLocalStorage /
  InvalidSharedStorage); then ``virDomainMigrateToURI3`` to the destination's libvirt (peer to peer: this host's
  libvirtd opens it, over SSH with this host's migration key between hosts reached by SSH) with
  ``VIR_MIGRATE_LIVE | PEER2PEER | PERSIST_DEST | UNDEFINE_SOURCE`` (plus ``NON_SHARED_INC`` and the writable
  disks for a block migration), the memory (and disks) streamed to the destination's ``host_ip``, the domain
  XML re-pointed at the destination's instance directory when the paths differ and its consoles at the
  destination's address and port. On success the source's
  instance directory goes (not with shared storage) and the destination's domain is read back (resumed when a
  forced completion paused it). A failure leaves the guest running here.
* ``rollback_dest`` (destination; ``rollback_live_migration_at_destination``): the test file, a half-made domain
  and, when the destination made it, the instance directory removed.
* ``force_complete`` / ``abort`` (source, while ``migrate`` runs): Nova's ``live_migration_force_complete`` (the
  guest paused so the last pages converge; it runs again on the destination) and ``live_migration_abort``
  (``virDomainAbortJob``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import os
import shutil
import tempfile

from ansible_collections.novalite.compute.plugins.module_utils import states
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    HypervisorError, InvalidInput, NovaliteError,
)
from ansible_collections.novalite.compute.plugins.module_utils.files import write_atomically
from ansible_collections.novalite.compute.plugins.module_utils.virt import (
    config_drive, connection, disk, domain_xml, driver, imagecache, move,
)

try:
    import libvirt
except ImportError:  # pragma: no cover - reported by the module
    libvirt = None

STEPS = ('prepare_destination', 'migrate', 'rollback_dest', 'force_complete', 'abort')
SHARED_CHECK_PREFIX = '.novalite-shared-check-'
# what a step reports (the instance_live_migrate module's RETURN)
RESULT_KEYS = ('changed', 'step', 'shared_file', 'shared', 'created', 'power_state', 'domain_xml',
               'block_migration', 'aborted', 'paused', 'seconds', 'dest_state', 'vnc_listen', 'serial_port')
# nova/exception.py's InvalidSharedStorage / InvalidLocalStorage messages
NOT_SHARED = ('%s is not on shared storage: Shared storage live-migration requires either shared storage or '
              'boot-from-volume with no local disks.')
SHARED = '%s is not on local storage: Block migration can not be used with shared storage.'
# the disks a live migration carries (a rescue's are never migrated: it needs ACTIVE or PAUSED)
DISK_NAMES = ('disk', 'disk.local', 'disk.swap', config_drive.FILE_NAME)


def _check_file_name(name):
    if not isinstance(name, str) or not name.startswith(SHARED_CHECK_PREFIX) or '/' in name or '..' in name:
        raise InvalidInput('live_migration.shared_file', 'must be a name prepare_destination made')
    return name


def source_disks(conn, uuid):
    """The running domain's disks on the source's libvirt (``conn``): name, format, virtual size, backing file
    name - what the destination pre-creates (Nova's get_instance_disk_info, read where the guest runs)."""
    from lxml import etree
    dom = driver.require_domain(conn, uuid)
    root = etree.fromstring(dom.XMLDesc(0).encode('utf-8'))
    out = []
    for el in root.findall('./devices/disk'):
        source = el.find('source')
        path = source.get('file') if source is not None else None
        if not path:
            continue
        fmt = el.find('driver')
        backing = el.find('backingStore/source')
        out.append({'name': os.path.basename(path), 'format': (fmt.get('type') if fmt is not None else None) or 'raw',
                    'size': dom.blockInfo(path)[0],
                    'backing': os.path.basename(backing.get('file')) if backing is not None and backing.get('file')
                    else None})
    return sorted(out, key=lambda d: d['name'])


def prepare_destination(instance, settings, block_migration, source, ssh=None):
    """The destination's checks and preparation (see the module doc): {shared_file, created}.

    ``block_migration``: as asked (True, False, None for auto); ``source``: {libvirt_uri, host_ip, ssh} of the
    source (how this host reaches its libvirt: ``peer_uris``), for the disks; ``ssh``: this host's
    migration_ssh settings."""
    uuid = disk.validate_uuid(instance)
    idir = disk.instance_dir(settings['instances_path'], uuid)
    if os.path.isfile(os.path.join(idir, 'disk.info')):
        # the source's own directory (shared storage) or one left here: the source's test tells
        handle, name = tempfile.mkstemp(prefix=SHARED_CHECK_PREFIX, dir=idir)
        os.close(handle)
        return {'changed': True, 'shared_file': os.path.basename(name), 'created': False}
    if block_migration is False:
        # not shared, and a shared-storage migration asked: the source refuses it; nothing to make
        return {'changed': False, 'shared_file': None, 'created': False}
    conn = connection.open_connection(peer_uris(source, 'live_migration.source', ssh)[0])
    try:
        disks = source_disks(conn, uuid)
    finally:
        conn.close()
    pre_live_migration(instance, settings, disks)
    return {'changed': True, 'shared_file': None, 'created': True}


def _shared(settings, uuid, shared_file):
    """The source's side of the shared-storage test: the destination's file seen (and removed) here."""
    if not shared_file:
        return False   # the destination did not see this instance's directory
    probe = os.path.join(disk.instance_dir(settings['instances_path'], uuid), _check_file_name(shared_file))
    if not os.path.exists(probe):
        return False
    os.unlink(probe)   # one file on both hosts: the test is over
    return True


def requested_block(lm):
    block = lm.get('block_migration')
    if block not in (True, False, None):
        raise InvalidInput('live_migration.block_migration', 'must be true, false or null (auto)')
    return block


def decide_block(requested, shared, path):
    """Whether to copy the disks: ``requested`` (True, False, None: auto, by the test), or Nova's refusal."""
    block = (not shared) if requested is None else bool(requested)
    if block and shared:
        raise NovaliteError(SHARED % path)   # Nova's fault message as it is
    if not block and not shared:
        raise NovaliteError(NOT_SHARED % path)
    return block


def pre_live_migration(instance, settings, disks):
    """The instance directory made here with ``disks`` (source_disks) pre-created; a failure removes it."""
    uuid = disk.validate_uuid(instance)
    path = settings['instances_path']
    idir = disk.instance_dir(path, uuid)
    if os.path.isdir(idir):
        shutil.rmtree(idir)   # a half-made one (disk.info is written last)
    image_base = imagecache.ensure_base(path, instance['image'], settings['force_raw_images'])
    imagecache.ensure_dir(path)
    os.mkdir(idir, imagecache.DIR_MODE)
    os.chmod(idir, imagecache.DIR_MODE)
    try:
        info = {}
        for item in disks or []:
            name = item.get('name')
            if name not in DISK_NAMES:
                raise InvalidInput('live_migration.disks', 'unknown disk %r' % (name,))
            target = os.path.join(idir, name)
            if name == config_drive.FILE_NAME:
                config_drive.build(target, instance)
            elif item.get('backing'):
                base, fmt = move.local_base(path, instance, item['backing'], image_base, settings['force_raw_images'])
                disk.create_overlay(target, base, fmt, int(item['size']))
            else:
                move.run(['qemu-img', 'create', '-q', '-f', item.get('format') or 'qcow2', target,
                          str(int(item['size']))])
            info[target] = item.get('format') or 'qcow2'
        for kind in ('kernel', 'ramdisk'):
            if instance.get(kind):
                made = imagecache.ensure_base(path, instance[kind], convert=False, what=kind)
                imagecache.link_or_copy(made['path'], os.path.join(idir, kind))
        open(os.path.join(idir, 'console.log'), 'w').close()
        write_atomically(os.path.join(idir, 'disk.info'), json.dumps(info))
    except BaseException:
        shutil.rmtree(idir, ignore_errors=True)
        raise


def _rewrite_paths(xml_text, src_dir, dest_dir, src_base, dest_base):
    """The domain XML with the source's instance directory (and cache) replaced by the destination's, and no
    backingStore chains (the destination's disks name their own)."""
    from lxml import etree
    root = etree.fromstring(xml_text.encode('utf-8'))
    for store in root.findall('.//disk/backingStore'):
        store.getparent().remove(store)
    for el in root.iter():
        for attr in ('file', 'path'):
            value = el.get(attr)
            if value is None:
                continue
            for old, new in ((src_dir, dest_dir), (src_base, dest_base)):
                if value == old or value.startswith(old + '/'):
                    el.set(attr, new + value[len(old):])
                    break
        if el.tag in ('kernel', 'initrd') and el.text:
            if el.text.startswith(src_dir + '/'):
                el.text = dest_dir + el.text[len(src_dir):]
    return etree.tostring(root, encoding='unicode')


def peer_uris(peer, field='live_migration.dest', ssh=None):
    """(the other host's libvirt URI as this host's libvirtd reaches it, the migration stream's URI).

    ``peer['ssh']`` (the controller's choice, compute/resize.py ``transfer_for``: both hosts reached over SSH):
    over SSH to its ``host_ip`` with this host's migration_ssh settings ``ssh`` (virt/move.py
    ``ssh_libvirt_uri``, the login a resize's disk copy uses). Else its ``libvirt_uri`` (the one-machine shape),
    or Nova's default ``qemu+tcp://<host_ip>/system``."""
    uri = peer.get('libvirt_uri') or connection.DEFAULT_URI
    ip = peer.get('host_ip')
    if peer.get('ssh'):
        ip = str(move.peer_ip(ip, field + '.host_ip'))
        uri = move.ssh_libvirt_uri(ip, ssh, field + '.host_ip')
    elif uri == connection.DEFAULT_URI:
        if not ip:
            raise InvalidInput(field + '.host_ip', 'is needed to reach the other host\'s libvirt')
        uri = 'qemu+tcp://%s/system' % ip   # Nova's live_migration_scheme default
    # the stream goes straight from QEMU to QEMU (Nova's default, not tunnelled): an IPv6 address in brackets
    return uri, (('tcp://[%s]' if ':' in str(ip) else 'tcp://%s') % ip if ip else None)


def consoles_here(conn, uuid, settings):
    """Where the guest's consoles will listen on this (destination) host: its console address and a serial
    console port free here (Nova's graphics_listen_addrs and serial_listen_ports in the migrate data)."""
    listen = settings.get('vnc_listen') or domain_xml.DEFAULT_VNC_LISTEN
    return {'vnc_listen': listen, 'serial_port': driver.serial_console_port(conn, uuid, listen)}


def rewrite_consoles(xml_text, dest):
    """The domain XML with its VNC and serial console listeners on the destination's address and port (``dest``:
    prepare_destination's ``vnc_listen`` and ``serial_port``; Nova's _update_graphics_xml / _update_serial_xml):
    the source's address is not the destination's, where QEMU could not bind it."""
    from lxml import etree
    listen, port = dest.get('vnc_listen'), dest.get('serial_port')
    if not listen:
        return xml_text   # a destination that did not say (an older call): as it was
    try:
        listen = str(ipaddress.ip_address(str(listen)))
    except ValueError:
        raise InvalidInput('live_migration.dest.vnc_listen', 'must be an IP address')
    low, high = domain_xml.SERIAL_PORT_RANGE
    if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not low <= port < high):
        raise InvalidInput('live_migration.dest.serial_port', 'must be a port in %d-%d' % (low, high - 1))
    root = etree.fromstring(xml_text.encode('utf-8'))
    for graphics in root.findall("./devices/graphics[@type='vnc']"):
        graphics.set('listen', listen)
        for item in graphics.findall("listen[@type='address']"):
            item.set('address', listen)
    for source in root.findall("./devices/serial[@type='tcp']/source[@mode='bind']"):
        source.set('host', listen)
        if port is not None:
            source.set('service', str(port))
    return etree.tostring(root, encoding='unicode')


def _writable_targets(xml_text):
    from lxml import etree
    root = etree.fromstring(xml_text.encode('utf-8'))
    out = []
    for el in root.findall('./devices/disk'):
        target = el.find('target')
        if el.get('device') == 'disk' and el.find('readonly') is None and target is not None:
            out.append(target.get('dev'))
    return out


def live_migration(conn, instance, settings, dest, block, shared, ssh=None):
    """Migrate the running domain to ``dest`` ({libvirt_uri, host_ip, ssh, instances_path}; ``ssh``: this host's
    migration_ssh settings); see the module doc."""
    import time
    uuid = disk.validate_uuid(instance)
    dom = driver.require_domain(conn, uuid)
    if not dom.isActive():
        raise NovaliteError('instance %s is not running on this host' % uuid, field='instance.uuid')
    path = settings['instances_path']
    dest_path = dest.get('instances_path') or path
    src_dir, dest_dir = disk.instance_dir(path, uuid), disk.instance_dir(dest_path, uuid)
    flags_xml = libvirt.VIR_DOMAIN_XML_SECURE | libvirt.VIR_DOMAIN_XML_MIGRATABLE
    live_xml = dom.XMLDesc(flags_xml)
    persistent_xml = dom.XMLDesc(flags_xml | libvirt.VIR_DOMAIN_XML_INACTIVE)
    bases = (imagecache.base_dir(path), imagecache.base_dir(dest_path))
    if not shared and src_dir != dest_dir:
        live_xml = _rewrite_paths(live_xml, src_dir, dest_dir, *bases)
        persistent_xml = _rewrite_paths(persistent_xml, src_dir, dest_dir, *bases)
    live_xml, persistent_xml = rewrite_consoles(live_xml, dest), rewrite_consoles(persistent_xml, dest)
    uri, migrate_uri = peer_uris(dest, ssh=ssh)
    params = {libvirt.VIR_MIGRATE_PARAM_DEST_XML: live_xml, libvirt.VIR_MIGRATE_PARAM_PERSIST_XML: persistent_xml}
    if migrate_uri:
        params[libvirt.VIR_MIGRATE_PARAM_URI] = migrate_uri
    flags = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER | libvirt.VIR_MIGRATE_PERSIST_DEST
             | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)
    if block:
        flags |= libvirt.VIR_MIGRATE_NON_SHARED_INC
        params[libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS] = _writable_targets(live_xml)
    was_paused = dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED   # a PAUSED server stays paused
    started = time.monotonic()
    try:
        dom.migrateToURI3(uri, params, flags)
    except libvirt.libvirtError as exc:
        aborted = exc.get_error_code() == libvirt.VIR_ERR_OPERATION_ABORTED or 'canceled by client' in str(exc)
        how = 'aborted' if aborted else 'failed'
        raise HypervisorError('live migration of %s to %s %s: %s' % (uuid, uri, how, exc.get_error_message()),
                              field='live_migration')
    seconds = round(time.monotonic() - started, 3)
    # the guest runs on the destination now: the source's files go (never a shared directory)
    if not shared and os.path.isdir(src_dir) and src_dir != dest_dir:
        shutil.rmtree(src_dir, ignore_errors=True)
    out = {'changed': True, 'seconds': seconds, 'block_migration': bool(block), 'domain_xml': persistent_xml}
    try:
        dest_conn = connection.open_connection(uri)
    except NovaliteError:
        return out
    try:
        moved = driver.lookup(dest_conn, uuid)
        if moved is not None:
            state = moved.state()[0]
            if state == libvirt.VIR_DOMAIN_PAUSED and not was_paused:
                moved.resume()   # a forced completion paused it on the source
                state = moved.state()[0]
            out['dest_state'] = driver.STATE_NAMES.get(state)
            out['power_state'] = states.LIBVIRT_POWER_STATE.get(state, states.NOSTATE)
    finally:
        dest_conn.close()
    return out


def migrate(conn, instance, settings, lm, ssh=None):
    """The source's check, then the migration (see the module doc); ``lm``: the call's ``live_migration``."""
    uuid = disk.validate_uuid(instance)
    dest = lm.get('dest') or {}
    if dest.get('instances_path') and not os.path.isabs(dest['instances_path']):
        raise InvalidInput('live_migration.dest.instances_path', 'must be an absolute path')
    driver.require_domain(conn, uuid)
    shared = _shared(settings, uuid, lm.get('shared_file'))
    block = decide_block(requested_block(lm), shared, settings['instances_path'])
    out = live_migration(conn, instance, settings, dest, block, shared, ssh)
    out['shared'] = shared
    return out


def rollback_dest(conn, instance, settings, shared, shared_file=None):
    """The destination's part after a failure: the test file, a half-made domain and (``shared`` false: the
    directory is the one prepare_destination made) the instance directory."""
    uuid = disk.validate_uuid(instance)
    changed = False
    if shared_file:
        try:
            os.unlink(os.path.join(disk.instance_dir(settings['instances_path'], uuid),
                                   _check_file_name(shared_file)))
            changed = True
        except OSError:
            pass
    dom = driver.lookup(conn, uuid)
    if dom is not None:
        driver.destroy_if_active(dom)
        driver.undefine(dom)
        changed = True
    if not shared and disk.delete_instance_files(settings['instances_path'], uuid):
        changed = True
    return {'changed': changed}


def _migration_job_active(dom):
    try:
        info = dom.jobInfo()
    except libvirt.libvirtError:
        return False
    return bool(info) and info[0] not in (libvirt.VIR_DOMAIN_JOB_NONE,)


def force_complete(conn, instance):
    """Nova's live_migration_force_complete without post-copy: the guest paused so the migration converges."""
    uuid = disk.validate_uuid(instance)
    dom = driver.require_domain(conn, uuid)
    if not _migration_job_active(dom):
        return {'changed': False, 'paused': False}
    dom.suspend()
    return {'changed': True, 'paused': True}


def abort(conn, instance):
    """Nova's live_migration_abort: the running migration job cancelled (the guest stays here)."""
    uuid = disk.validate_uuid(instance)
    dom = driver.require_domain(conn, uuid)
    if not _migration_job_active(dom):
        return {'changed': False, 'aborted': False}
    try:
        dom.abortJob()
    except libvirt.libvirtError as exc:
        raise HypervisorError('aborting the live migration of %s failed: %s' % (uuid, exc.get_error_message()),
                              field='live_migration')
    return {'changed': True, 'aborted': True}


def run_step(conn, instance, settings, lm, ssh=None):
    """One step of ``STEPS`` (``lm``: the call's ``live_migration`` dict; ``ssh``: this host's migration_ssh
    settings, to reach another host over SSH); the module's result."""
    lm = lm or {}
    step = lm.get('step')
    if step not in STEPS:
        raise InvalidInput('live_migration.step', 'must be one of %s' % ', '.join(STEPS))
    if step == 'prepare_destination':
        out = prepare_destination(instance, settings, requested_block(lm), lm.get('source') or {}, ssh)
        out.update(consoles_here(conn, disk.validate_uuid(instance), settings))
    elif step == 'migrate':
        out = migrate(conn, instance, settings, lm, ssh)
    elif step == 'rollback_dest':
        out = rollback_dest(conn, instance, settings, bool(lm.get('shared')), lm.get('shared_file'))
    elif step == 'force_complete':
        out = force_complete(conn, instance)
    else:
        out = abort(conn, instance)
    out['step'] = step
    return dict((k, v) for k, v in out.items() if k in RESULT_KEYS)
