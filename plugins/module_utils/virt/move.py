# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's move between compute hosts, host side (Nova's libvirt resize / cold migration).

The steps, each one host call of the ``instance_move`` module (compute/resize.py sends them):

* ``migrate_out`` (on the source; Nova's ``migrate_disk_and_power_off``): the guest powered off (its domain
  stays defined), its instance directory renamed ``<uuid>_resize`` and copied from there to the destination's
  instance directory (``transfer``). On the same host (``allow_resize_to_same_host``) that is a copy within
  the host. A failure puts the directory back and the guest on again (Nova's InstanceFaultRollback).
* ``finish_in`` (on the destination; ``finish_migration``): disk.info re-pointed at this host's directory,
  every overlay rebased onto this host's own cache (the image fetched as a boot does; ephemeral and swap bases
  made again), the root disk grown to the new flavor's root_gb (never shrunk), then the domain defined with
  the new flavor and started when the guest ran before.
* ``confirm`` (on the source; ``confirm_migration`` / ``_cleanup_resize``): ``<uuid>_resize`` removed and,
  on another host than the destination, the old domain undefined. The instance directory ``<uuid>`` is never
  touched there (with shared storage it is the destination's).
* ``revert_dest`` (on the destination; ``destroy`` of the resized guest): its domain and directory removed.
* ``revert_source`` (on the source; ``finish_revert_migration``): ``<uuid>_resize`` renamed back and the old
  domain started again when it ran before.

``transfer`` is the one place the disk crosses hosts, as the call's ``dest.transfer`` says
(compute/resize.py chooses): ``local`` where the destination's instance directory is on this machine's
filesystem (the same host, or the libvirt-URI shape where every module runs on the controller machine), ``ssh``
between hosts reached by SSH (Nova's ``copy_image`` over ssh/rsync): from the source host, ``rsync`` over ``ssh``
to the destination's ``host_ip`` with this host's migration key (``migration_ssh``: {key, known_hosts, user},
the host's inventory ``novalite_migration_ssh_key`` / ``novalite_migration_known_hosts`` /
``novalite_migration_ssh_user``), the destination's host key always checked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess

from ansible_collections.novalite.compute.plugins.module_utils import states
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    HypervisorError, InvalidInput, NovaliteError,
)
from ansible_collections.novalite.compute.plugins.module_utils.files import write_atomically
from ansible_collections.novalite.compute.plugins.module_utils.virt import disk, driver, imagecache

RESIZE_SUFFIX = '_resize'   # Nova's inst_base_resize
STEPS = ('migrate_out', 'finish_in', 'confirm', 'revert_dest', 'revert_source')
TRANSFERS = ('local', 'ssh')


def kept_dir(instances_path, uuid):
    """Where the source keeps the instance's files until the move is confirmed or reverted."""
    return disk.instance_dir(instances_path, uuid) + RESIZE_SUFFIX


def run(cmd, field='disk', what=None):
    """Run ``cmd``; a failure raises HypervisorError naming ``what`` (the command) and ``field`` with its output."""
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=False)
    if proc.returncode != 0:
        raise HypervisorError('%s failed: %s' % (what or ' '.join(cmd[:2]),
                                                 proc.stdout.decode('utf-8', 'replace').strip()), field=field)


def transfer(src_dir, dest_dir, dest, ssh=None):
    """Copy the instance directory ``src_dir`` to ``dest_dir`` on the destination host ``dest``.

    ``dest``: {transfer: local | ssh, host_ip}; ``ssh``: this host's migration_ssh settings (the ``ssh`` variant).
    The copy lands in ``<dest_dir>.part`` and is renamed into place, so a directory at ``dest_dir`` is always
    complete (a repeated call finds it and copies nothing). Returns True when it copied.
    """
    mode = (dest or {}).get('transfer') or 'local'
    if mode not in TRANSFERS:
        raise InvalidInput('move.dest.transfer', 'must be one of %s' % ', '.join(TRANSFERS))
    if mode == 'ssh':
        return ssh_transfer(src_dir, dest_dir, dest, ssh or {})
    if os.path.isdir(dest_dir) and os.path.isfile(os.path.join(dest_dir, 'disk.info')):
        return False
    part = dest_dir + '.part'
    if os.path.exists(part):
        shutil.rmtree(part)
    imagecache.ensure_dir(os.path.dirname(dest_dir))
    try:
        run(['cp', '-a', '--sparse=always', src_dir, part])
        os.rename(part, dest_dir)
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    return True


# A path ssh and rsync's -e take as one word: ssh splits UserKnownHostsFile on spaces, rsync splits -e on them
_SSH_PATH = re.compile(r'^/[A-Za-z0-9_@%+=:,./-]*$')
_SSH_USER = re.compile(r'^[A-Za-z_][A-Za-z0-9_.-]{0,31}$')


def ssh_settings(ssh):
    """This host's migration_ssh settings checked: {key, known_hosts, user}, each None (or empty: an unset
    inventory variable) for ssh's own default."""
    ssh = dict(ssh or {})
    unknown = sorted(set(ssh) - {'key', 'known_hosts', 'user'})
    if unknown:
        raise InvalidInput('migration_ssh', 'unknown setting(s) %s (key, known_hosts, user)' % ', '.join(unknown))
    out = dict((name, str(ssh[name]) if ssh.get(name) else None) for name in ('key', 'known_hosts', 'user'))
    for name in ('key', 'known_hosts'):
        if out[name] and not _SSH_PATH.match(out[name]):
            raise InvalidInput('migration_ssh.%s' % name, 'must be an absolute path of letters, digits and _@%+=:,./-')
    if out['user'] and not _SSH_USER.match(out['user']):
        raise InvalidInput('migration_ssh.user', 'must be a user name')
    return out


def ssh_command(ssh):
    """The ssh client argv (without its destination) a move uses: no prompts, the destination's host key checked
    against known_hosts (never skipped: an unknown key fails the move), a dead peer noticed within a minute."""
    argv = ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=10',
            '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=4']
    if ssh.get('known_hosts'):
        argv += ['-o', 'UserKnownHostsFile=%s' % ssh['known_hosts']]
    if ssh.get('key'):
        argv += ['-i', ssh['key'], '-o', 'IdentitiesOnly=yes']
    return argv


def peer_ip(value, field):
    """Another compute host's ``host_ip`` (novalite_host_ip) as an ip_address: only an IP goes into an ssh argv or
    a libvirt URI (never a name, never text)."""
    try:
        return ipaddress.ip_address(str(value or ''))
    except ValueError:
        raise InvalidInput(field, 'must be the other host\'s IP address (novalite_host_ip)')


def ssh_libvirt_uri(host_ip, ssh, field):
    """The libvirt URI by which this host reaches the libvirtd of the compute host at ``host_ip`` over SSH, with
    this host's migration_ssh settings (``ssh``): the same login as ``ssh_transfer``'s (user, key, the host key
    always checked). Used from this host's modules and, for a peer-to-peer live migration, by its libvirtd.

    With a known_hosts file: ``qemu+libssh2`` (a libvirt ssh transport that reads a given known_hosts file; the
    ``ssh`` one would ignore it, and libvirt 9's ``libssh`` one hangs on a large reply, a domain's XML, in a
    client without an event loop), ``known_hosts_verify=normal`` (nobody answers its prompt: an unknown key is
    refused, and the file is never written), ``sshauth=privkey`` with the key. Without one: ``qemu+ssh`` (the
    ssh client and its own known_hosts files, as ``ssh_command``) with ``no_tty`` (batch mode) and
    ``no_verify=0``. The user is always named (libvirt's default would be root): ``migration_ssh.user``, else
    the user this runs as."""
    import pwd
    from urllib.parse import quote
    ssh = ssh_settings(ssh)
    ip = peer_ip(host_ip, field)
    user = ssh['user'] or pwd.getpwuid(os.geteuid()).pw_name   # ssh's own default
    if not _SSH_USER.match(user):
        raise InvalidInput('migration_ssh.user', 'must be a user name')
    host = '[%s]' % ip if ip.version == 6 else str(ip)
    if ssh['known_hosts']:
        scheme, params = 'qemu+libssh2', [('known_hosts', ssh['known_hosts']), ('known_hosts_verify', 'normal')]
        if ssh['key']:
            params += [('keyfile', ssh['key']), ('sshauth', 'privkey')]
    else:
        scheme, params = 'qemu+ssh', [('no_tty', '1'), ('no_verify', '0')]
        if ssh['key']:
            params.append(('keyfile', ssh['key']))
    query = '&'.join('%s=%s' % (name, quote(value, safe='/')) for name, value in params)
    return '%s://%s@%s/system?%s' % (scheme, user, host, query)


def ssh_transfer(src_dir, dest_dir, dest, ssh):
    """The ``ssh`` transfer, run on the source host: rsync into ``<dest_dir>.part`` on ``dest['host_ip']``, then a
    rename there; a failure removes the ``.part`` there. Every path reaches the remote shell quoted as one word."""
    ssh = ssh_settings(ssh)
    ip = peer_ip((dest or {}).get('host_ip'), 'move.dest.host_ip')
    if not os.path.isabs(dest_dir) or '\n' in dest_dir:
        raise InvalidInput('move.dest.instances_path', 'must be an absolute path')
    login = '%s@%s' % (ssh['user'], ip) if ssh['user'] else str(ip)
    # rsync's host part takes an IPv6 address in brackets (ssh's does not)
    rsync_host = '[%s]' % ip if ip.version == 6 else str(ip)
    target = '%s%s:%s/' % ('%s@' % ssh['user'] if ssh['user'] else '', rsync_host, dest_dir + '.part')
    base = ssh_command(ssh)
    part = dest_dir + '.part'

    def remote(argv):
        return base + [login, '--', shlex.join(argv)]
    probe = subprocess.run(remote(['test', '-f', os.path.join(dest_dir, 'disk.info')]), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if probe.returncode == 0:
        return False    # copied and renamed into place by an earlier call
    if probe.returncode == 255:   # ssh's own failure (the command's status is 0 or 1)
        raise HypervisorError('ssh to %s failed: %s' % (ip, probe.stdout.decode('utf-8', 'replace').strip()),
                              field='move.dest.host_ip')
    try:
        # --delete: a .part left by a killed copy becomes exactly the source; --sparse keeps the disks thin
        run(['rsync', '-a', '--sparse', '--delete', '-e', shlex.join(base), '--', src_dir.rstrip('/') + '/', target],
            what='copying the instance directory to %s' % ip)
        run(remote(['mv', '-T', '--', part, dest_dir]), what='renaming the copy into place on %s' % ip)
    except BaseException:
        subprocess.run(remote(['rm', '-rf', '--', part]), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        raise
    return True


def migrate_out(conn, instance, settings, dest, timeout, ssh=None):
    """The source's part: power off, keep the directory as ``<uuid>_resize``, copy it to the destination."""
    uuid = disk.validate_uuid(instance)
    path = settings['instances_path']
    idir, kept = disk.instance_dir(path, uuid), kept_dir(path, uuid)
    dom = driver.lookup(conn, uuid)
    was_running = dom is not None and dom.isActive()
    out = {'changed': True, 'clean_shutdown': None}
    if was_running:
        out['clean_shutdown'] = driver.power_off(conn, uuid, timeout)['clean']
    if not os.path.isdir(kept):
        if not os.path.isdir(idir):
            raise NovaliteError('instance %s has no instance directory on this host' % uuid, field='instance.uuid')
        os.rename(idir, kept)
    try:
        out['copied'] = transfer(kept, disk.instance_dir(dest['instances_path'], uuid), dest, ssh)
    except BaseException:
        if not os.path.exists(idir):
            os.rename(kept, idir)
        if was_running:
            driver.power_on(conn, uuid)
        raise
    out['power_state'] = states.SHUTDOWN
    return out


def _relocate_disk_info(idir):
    """disk.info names its disks by path: make them this directory's (the copy names the source's)."""
    info_path = os.path.join(idir, 'disk.info')
    with open(info_path) as f:
        info = json.load(f)
    moved = dict((os.path.join(idir, os.path.basename(p)), fmt) for p, fmt in info.items())
    if moved != info:
        write_atomically(info_path, json.dumps(moved))


def local_base(path, instance, backing, image_base, force_raw):
    """This host's copy of the base an overlay was made on (the image's, or an ephemeral / swap one)."""
    name = os.path.basename(backing)
    if name == os.path.basename(image_base['path']):
        return image_base['path'], image_base['format']
    bdir = imagecache.base_dir(path)
    if os.path.exists(os.path.join(bdir, name)):
        return os.path.join(bdir, name), 'raw'
    parts = name.split('_')
    if parts[0] == 'ephemeral' and len(parts) == 3 and parts[1].isdigit():
        gb, fs = int(parts[1]), parts[2]
        return disk.ensure_formatted_base(path, name, gb * disk.GiB, disk.mkfs_cmd(fs), 'flavor.ephemeral_gb'), 'raw'
    if parts[0] == 'swap' and len(parts) == 2 and parts[1].isdigit():
        return disk.ensure_formatted_base(path, name, int(parts[1]) * disk.MiB, ['mkswap', '-q'], 'flavor.swap'), 'raw'
    raise NovaliteError('no base %s for the moved disk on this host' % name, field='instance.image')


def _rebase_and_grow(path, instance, force_raw):
    uuid = instance['uuid']
    idir = disk.instance_dir(path, uuid)
    _relocate_disk_info(idir)
    image_base = imagecache.ensure_base(path, instance['image'], force_raw)
    layout = disk.existing_disks(path, uuid)
    for item in layout['disks']:
        backing = imagecache.qcow2_backing_file(item['path'])
        if not backing:
            continue
        base, fmt = local_base(path, instance, backing, image_base, force_raw)
        if backing != base:
            run(['qemu-img', 'rebase', '-u', '-b', base, '-F', fmt, item['path']])
    root = os.path.join(idir, 'disk')
    want = disk.root_size(instance, image_base)
    have = imagecache.probe(root)[1]
    if want < have:
        # Nova's libvirt driver: "Unable to resize disk down."
        raise InvalidInput('flavor.root_gb', 'Unable to resize disk down.')
    grown = want > have
    if grown:
        run(['qemu-img', 'resize', '-q', root, str(int(want))])
    return {'bases_copied': image_base['copied_bytes'], 'grown': grown, 'root_bytes': max(want, have)}


def finish_in(conn, instance, settings, power_on, timeout):
    """The destination's part: the copied disks made this host's, grown, and the domain defined (and started)."""
    uuid = disk.validate_uuid(instance)
    path = settings['instances_path']
    if not os.path.isfile(os.path.join(disk.instance_dir(path, uuid), 'disk.info')):
        raise NovaliteError('instance %s: its disks were not copied to this host' % uuid, field='instance.uuid')
    dom = driver.lookup(conn, uuid)
    if dom is not None and not dom.isActive():
        # the same host's old domain (shut off by migrate_out), or a repeated call's: defined again as resized
        driver.undefine(dom)
        dom = None
    out = _rebase_and_grow(path, instance, settings['force_raw_images'])
    if dom is None:
        spawned = driver.spawn(conn, instance, settings, start=power_on)
        out['virt_type'] = spawned['virt_type']
    dom = driver.require_domain(conn, uuid)
    out.update(driver.domain_info(dom))
    out['domain_xml'] = dom.XMLDesc(driver.libvirt.VIR_DOMAIN_XML_INACTIVE)
    out['changed'] = True
    return out


def confirm(conn, instance, settings, same_host):
    """The source's clean-up once the move stays: the kept directory, and the old domain on another host."""
    uuid = disk.validate_uuid(instance)
    changed = False
    kept = kept_dir(settings['instances_path'], uuid)
    if os.path.isdir(kept):
        shutil.rmtree(kept)
        changed = True
    if not same_host:
        dom = driver.lookup(conn, uuid)
        if dom is not None:
            driver.destroy_if_active(dom)
            driver.undefine(dom)
            changed = True
    return {'changed': changed}


def revert_dest(conn, instance, settings):
    """The destination's part of a revert: the resized guest's domain and directory go."""
    uuid = disk.validate_uuid(instance)
    return {'changed': driver.destroy(conn, uuid, settings['instances_path']), 'power_state': states.NOSTATE}


def revert_source(conn, instance, settings, power_on, timeout):
    """The source's part of a revert: the kept directory back in place, the old domain as it was."""
    uuid = disk.validate_uuid(instance)
    path = settings['instances_path']
    idir, kept = disk.instance_dir(path, uuid), kept_dir(path, uuid)
    if os.path.isdir(kept):
        if os.path.exists(idir):
            shutil.rmtree(idir)
        os.rename(kept, idir)
    if driver.lookup(conn, uuid) is None:
        spawned = driver.spawn(conn, instance, settings, start=power_on)
        out = dict(spawned)
        out.pop('disks', None)
    else:
        out = driver.ensure_state(conn, instance, settings, 'running' if power_on else 'stopped', False, timeout)
    out['changed'] = True
    return out


def run_step(conn, instance, settings, move, timeout, ssh=None):
    """One step of ``STEPS`` (``move``: {step, dest, same_host, power_on}); the module's result. ``ssh``: this
    host's migration_ssh settings, for an ``ssh`` transfer."""
    move = move or {}
    step = move.get('step')
    if step not in STEPS:
        raise InvalidInput('move.step', 'must be one of %s' % ', '.join(STEPS))
    power_on = bool(move.get('power_on'))
    if step == 'migrate_out':
        dest = move.get('dest') or {}
        if not dest.get('instances_path') or not os.path.isabs(dest['instances_path']):
            raise InvalidInput('move.dest.instances_path', 'must be an absolute path')
        out = migrate_out(conn, instance, settings, dest, timeout, ssh)
    elif step == 'finish_in':
        out = finish_in(conn, instance, settings, power_on, timeout)
    elif step == 'confirm':
        out = confirm(conn, instance, settings, bool(move.get('same_host')))
    elif step == 'revert_dest':
        out = revert_dest(conn, instance, settings)
    else:
        out = revert_source(conn, instance, settings, power_on, timeout)
    out['step'] = step
    return dict((k, v) for k, v in out.items() if k in RESULT_KEYS)


# what a step reports (the instance_move module's RETURN)
RESULT_KEYS = ('changed', 'step', 'power_state', 'domain_xml', 'grown', 'root_bytes', 'copied', 'clean_shutdown',
               'bases_copied')
