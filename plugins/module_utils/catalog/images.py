# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The image catalog: Glance v2 with its filesystem backend.

Metadata lives in the ``images`` table; the bits live in the image store
directory as ``<image_store>/<image id>``. An upload streams into a temporary
file in that directory while computing sha256 (``os_hash_value``) and md5
(``checksum``), inspects it with ``qemu-img info``, refuses qcow2 files that
point at a backing or data file (they could make QEMU read any host file),
then renames it into place and only then marks the row ``active``. On any
failure the temporary file is removed and the row goes back to ``queued`` (or
is deleted when ``register`` created it): a half-uploaded image is never
visible as active.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import subprocess
import tempfile
import uuid

from ansible_collections.novalite.compute.plugins.module_utils import catalog, image_io
from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, ImageError, InvalidInput, NotFound, TooLarge)
from ansible_collections.novalite.compute.plugins.module_utils.store import engine, rows

try:
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError
    HAS_SQLALCHEMY = True
except ImportError:  # pragma: no cover - reported by open_store_for
    HAS_SQLALCHEMY = False

DEFAULT_IMAGE_STORE = '/var/lib/novalite/images'
VISIBILITIES = ('public', 'private', 'shared', 'community')
# What novalite boots: disks (qcow2, raw), ISO installers, kernel/ramdisk pairs.
DISK_FORMATS = ('qcow2', 'raw', 'iso', 'aki', 'ari', 'ami')
CONTAINER_FORMATS = ('bare', 'ovf', 'aki', 'ari', 'ami')
# Formats whose content is raw bytes to qemu-img (it detects them as "raw").
_RAW_CONTENT = ('raw', 'iso', 'aki', 'ari', 'ami')
# Glance's base attributes: not allowed as free-form property names.
RESERVED_PROPERTIES = frozenset((
    'id', 'name', 'status', 'visibility', 'owner', 'protected', 'size', 'virtual_size', 'checksum',
    'os_hash_algo', 'os_hash_value', 'disk_format', 'container_format', 'min_disk', 'min_ram',
    'created_at', 'updated_at', 'location', 'locations', 'file', 'schema', 'self', 'direct_url',
    'tags', 'os_hidden', 'deleted', 'deleted_at'))
QEMU_IMG_TIMEOUT = 120


def _images():
    from ansible_collections.novalite.compute.plugins.module_utils.store import schema
    return schema.table('images')


def _to_dict(row):
    image = rows.as_dict(row)
    image['properties'] = dict(image.get('properties') or {})
    image['protected'] = bool(image['protected'])
    return image


def _check_properties(properties):
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise InvalidInput('properties', 'must be a mapping of name to value')
    out = {}
    for key, value in properties.items():
        if not isinstance(key, str) or not key or len(key) > 255:
            raise InvalidInput('properties', 'property name %r must be a string of 1-255 characters' % (key,))
        if key in RESERVED_PROPERTIES:
            raise InvalidInput('properties.%s' % key, 'is a base image attribute, not a free-form property')
        if isinstance(value, (dict, list)):
            raise InvalidInput('properties.%s' % key, 'value must be a string, number or boolean')
        text = None if value is None else (str(value).lower() if isinstance(value, bool) else str(value))
        if text is not None and len(text) > 65535:
            raise InvalidInput('properties.%s' % key, 'value must be at most 65535 characters')
        out[key] = text
    return out


def _check_formats(disk_format, container_format):
    if disk_format is not None and disk_format not in DISK_FORMATS:
        raise InvalidInput('disk_format', 'must be one of %s, got %r' % (', '.join(DISK_FORMATS), disk_format))
    if container_format is not None and container_format not in CONTAINER_FORMATS:
        raise InvalidInput('container_format', 'must be one of %s, got %r'
                           % (', '.join(CONTAINER_FORMATS), container_format))
    # Glance: ami/aki/ari disk and container formats go together.
    if disk_format in ('ami', 'aki', 'ari') or container_format in ('ami', 'aki', 'ari'):
        if disk_format is not None and container_format is not None and disk_format != container_format:
            raise InvalidInput('container_format', 'must equal disk_format for %s/%s images'
                               % (disk_format, container_format))


def _check_visibility(visibility):
    if visibility not in VISIBILITIES:
        raise InvalidInput('visibility', 'must be one of %s, got %r' % (', '.join(VISIBILITIES), visibility))
    return visibility


def _image_path(image_store, image_id):
    return os.path.join(image_store, image_id)


def _ensure_store_dir(image_store):
    if not image_store or not isinstance(image_store, str):
        raise InvalidInput('image_store', 'must be a directory path')
    try:
        if not os.path.isdir(image_store):
            os.makedirs(image_store, mode=0o755)
    except OSError as exc:
        raise InvalidInput('image_store', 'cannot create %s: %s' % (image_store, exc))
    if not os.access(image_store, os.W_OK):
        raise InvalidInput('image_store', '%s is not writable' % image_store)


def _check_image_id(image_id):
    try:
        return str(uuid.UUID(str(image_id)))
    except ValueError:
        raise InvalidInput('id', 'must be a UUID, got %r' % (image_id,))


def create(store, name, image_id=None, disk_format=None, container_format=None, visibility='shared',
           owner=None, min_disk=0, min_ram=0, protected=False, properties=None):
    """Glance's image-create: a ``queued`` row without data. Returns the image dict."""
    values = {
        'id': _check_image_id(image_id) if image_id is not None else str(uuid.uuid4()),
        'name': catalog.check_name('name', name, allow_empty=True) if name is not None else None,
        'owner': owner,
        'visibility': _check_visibility(visibility),
        'status': 'queued',
        'disk_format': disk_format,
        'container_format': container_format,
        'min_disk': catalog.check_int('min_disk', min_disk),
        'min_ram': catalog.check_int('min_ram', min_ram),
        'protected': catalog.check_bool('protected', protected),
        'properties': _check_properties(properties),
        'created_at': engine.utcnow(),
    }
    _check_formats(disk_format, container_format)
    images = _images()
    try:
        with store.begin() as conn:
            if conn.execute(sa.select(images.c.id).where(images.c.id == values['id'])).first():
                raise Conflict('Image with identifier %s already exists.' % values['id'], field='id')
            conn.execute(images.insert().values(**values))
            return _to_dict(conn.execute(sa.select(images).where(images.c.id == values['id'])).first())
    except IntegrityError:
        # A concurrent create with the same explicit id won the primary key.
        raise Conflict('Image with identifier %s already exists.' % values['id'], field='id')


def _get_row(conn, image_id):
    images = _images()
    return conn.execute(sa.select(images).where(images.c.id == image_id)).first()


def _visible(image, project):
    return (project is None or image['owner'] == project
            or image['visibility'] in ('public', 'community'))


def get(store, id_or_name, project=None):
    """One image by id, or by name when unambiguous. ``project`` limits to images that project may see."""
    images = _images()
    with store.read() as conn:
        row = None
        try:
            row = _get_row(conn, str(uuid.UUID(str(id_or_name))))
        except ValueError:
            pass
        if row is not None:
            image = _to_dict(row)
            if _visible(image, project):
                return image
            raise NotFound('Image', id_or_name, field='image')
        found = [_to_dict(r) for r in conn.execute(sa.select(images).where(images.c.name == str(id_or_name)))]
    found = [i for i in found if _visible(i, project)]
    if not found:
        raise NotFound('Image', id_or_name, field='image')
    if len(found) > 1:
        raise Conflict('More than one image is named %s (%s): use the id'
                       % (id_or_name, ', '.join(sorted(i['id'] for i in found))), field='name')
    return found[0]


def list_images(store, name=None, status=None, visibility=None, owner=None, project=None,
                disk_format=None, properties=None, sort_key='created_at', sort_dir='desc', limit=None, marker=None):
    """Glance's image list with its simple filters; ``properties`` matches free-form properties exactly."""
    images = _images()
    if sort_key not in ('created_at', 'name', 'id', 'size', 'updated_at', 'status'):
        raise InvalidInput('sort_key', 'cannot sort images by %r' % (sort_key,))
    if sort_dir not in ('asc', 'desc'):
        raise InvalidInput('sort_dir', 'must be asc or desc')
    query = sa.select(images)
    for column, value in (('name', name), ('status', status), ('visibility', visibility),
                          ('owner', owner), ('disk_format', disk_format)):
        if value is not None:
            query = query.where(images.c[column] == value)
    column = images.c[sort_key]
    query = query.order_by(column.asc() if sort_dir == 'asc' else column.desc(), images.c.id.asc())
    with store.read() as conn:
        result = [_to_dict(r) for r in conn.execute(query)]
    wanted = _check_properties(properties)
    result = [i for i in result if _visible(i, project)
              and all(i['properties'].get(k) == v for k, v in wanted.items())]
    if marker is not None:
        ids = [i['id'] for i in result]
        if str(marker) not in ids:
            raise NotFound('Image', marker, field='marker')
        result = result[ids.index(str(marker)) + 1:]
    if limit is not None:
        result = result[:catalog.check_int('limit', limit)]
    return result


def update(store, image_id, name=catalog.UNSET, visibility=None, min_disk=None, min_ram=None, protected=None,
           owner=catalog.UNSET, properties=None, remove_properties=None):
    """Glance's image-update of metadata (the data of an active image never changes)."""
    images = _images()
    values = {}
    if name is not catalog.UNSET:
        values['name'] = catalog.check_name('name', name, allow_empty=True) if name is not None else None
    if visibility is not None:
        values['visibility'] = _check_visibility(visibility)
    if min_disk is not None:
        values['min_disk'] = catalog.check_int('min_disk', min_disk)
    if min_ram is not None:
        values['min_ram'] = catalog.check_int('min_ram', min_ram)
    if protected is not None:
        values['protected'] = catalog.check_bool('protected', protected)
    if owner is not catalog.UNSET:
        values['owner'] = owner
    to_set = _check_properties(properties)
    to_remove = remove_properties or []
    with store.begin() as conn:
        row = _get_row(conn, _check_image_id(image_id))
        if row is None:
            raise NotFound('Image', image_id, field='image')
        props = dict(row.properties or {})
        props.update(to_set)
        for key in to_remove:
            props.pop(key, None)
        if props != dict(row.properties or {}):
            values['properties'] = props
        if values:
            values['updated_at'] = engine.utcnow()
            conn.execute(images.update().where(images.c.id == row.id).values(**values))
        return _to_dict(_get_row(conn, row.id))


def delete(store, image_store, image_id):
    """Remove the row and the file. Protected images are refused (Conflict naming ``protected``)."""
    image_id = _check_image_id(image_id)
    images = _images()
    path = _image_path(image_store, image_id)
    parked = os.path.join(image_store, '.deleting-%s' % image_id)
    with store.begin() as conn:
        row = _get_row(conn, image_id)
        if row is None:
            raise NotFound('Image', image_id, field='image')
        if row.protected:
            raise Conflict('Image %s is protected and cannot be deleted' % image_id, field='protected')
        gone = _to_dict(row)
        # Park the file first so a failed row delete can put it back.
        has_file = os.path.exists(path)
        if has_file:
            os.rename(path, parked)
        try:
            conn.execute(images.delete().where(images.c.id == image_id))
        except Exception:
            if has_file:
                os.rename(parked, path)
            raise
    if has_file:
        os.unlink(parked)
    gone['status'] = 'deleted'
    return gone


# --- data upload -------------------------------------------------------------------------------

def _open_source(source):
    """(file object, expected length or None, close?) for a path, an http(s) URL or a file object."""
    if hasattr(source, 'read'):
        return source, None, False
    if not isinstance(source, str) or not source:
        raise InvalidInput('source', 'must be a file path, an http(s) URL or a file object')
    src, length = image_io.open_source(source, _source_field(source))
    return src, length, True


def _source_field(source):
    return 'url' if isinstance(source, str) and '://' in source else 'filename'


def qemu_img_info(path):
    """``qemu-img info --output=json`` of a file (format probed), as a dict."""
    try:
        out = subprocess.run(['qemu-img', 'info', '--output=json', path], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=QEMU_IMG_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ImageError('disk_format', 'qemu-img info failed: %s' % exc)
    if out.returncode != 0:
        raise ImageError('disk_format', 'qemu-img cannot read the image: %s'
                         % out.stderr.decode('utf-8', 'replace').strip())
    return json.loads(out.stdout.decode('utf-8'))


def inspect(path, declared_format=None):
    """Check a local image file: returns ``{'disk_format', 'virtual_size'}`` or raises ImageError.

    qcow2 (and any format) that names a backing file or an external data file
    is refused: booting it would let the guest read that host path.
    """
    info = qemu_img_info(path)
    detected = info.get('format')
    if info.get('backing-filename') or info.get('full-backing-filename'):
        raise ImageError('disk_format', 'image declares a backing file (%s): refused for security'
                         % info.get('backing-filename'))
    data = (info.get('format-specific') or {}).get('data') or {}
    if data.get('data-file'):
        raise ImageError('disk_format', 'image declares an external data file (%s): refused for security'
                         % data.get('data-file'))
    if detected not in ('qcow2', 'raw'):
        raise ImageError('disk_format', 'unsupported image content %r (novalite takes qcow2, raw, iso, aki, ari)'
                         % detected)
    if declared_format is None:
        disk_format = detected
    elif declared_format == 'qcow2' and detected != 'qcow2':
        raise ImageError('disk_format', 'declared qcow2 but the content is not a qcow2 image (qemu-img sees %s)'
                         % detected)
    elif declared_format in _RAW_CONTENT and detected != 'raw':
        raise ImageError('disk_format', 'declared %s but the content is a %s image' % (declared_format, detected))
    else:
        disk_format = declared_format
    return {'disk_format': disk_format, 'virtual_size': info.get('virtual-size')}


def _check_expected(checksum):
    """(algorithm, lowercase hex) from a sha256 (64 hex) or md5 (32 hex) checksum, or None."""
    if checksum is None:
        return None
    text = str(checksum).strip().lower()
    if ':' in text:
        algo, _sep, text = text.partition(':')
        if algo not in ('sha256', 'md5'):
            raise InvalidInput('checksum', 'algorithm must be sha256 or md5, got %r' % algo)
    if len(text) not in (32, 64) or any(c not in '0123456789abcdef' for c in text):
        raise InvalidInput('checksum', 'must be a sha256 (64 hex digits) or md5 (32 hex digits) checksum')
    return ('sha256' if len(text) == 64 else 'md5'), text


def storage_used(conn, owner, except_image=None):
    """Bytes of image data ``owner`` (a project) stores: its active images (Glance's storage usage)."""
    images = _images()
    query = (sa.select(sa.func.coalesce(sa.func.sum(images.c.size), 0))
             .where(images.c.owner == owner).where(images.c.status == 'active'))
    if except_image is not None:
        query = query.where(images.c.id != except_image)
    return int(conn.execute(query).scalar() or 0)


def _quota_message(size, remaining):
    """Glance's StorageQuotaFull text; ``size`` None while streaming data of unknown length."""
    data = 'The size of the data' if size is None else 'The size of the data %d' % size
    return ('Image exceeds the storage quota: %s will exceed the limit. %d bytes remaining.'
            % (data, max(remaining, 0)))


def _upload_limit(conn, row, length, size_cap, storage_quota):
    """(most bytes this upload may write or None, the 413 message at that limit); a known length over it is 413."""
    limits = []
    if size_cap:
        limits.append((size_cap, 'The incoming image is too large: The provided image is too large.'))
    if storage_quota and row.owner is not None:
        remaining = storage_quota - storage_used(conn, row.owner, except_image=row.id)
        limits.append((max(remaining, 0), _quota_message(length, remaining)))
    if not limits:
        return None, None
    limit, message = min(limits, key=lambda item: item[0])
    if length is not None and length > limit:
        raise TooLarge(message, field='size')
    return limit, message


def _check_storage_quota(conn, owner, image_id, size, storage_quota):
    """At activation, under the owner's lock: parallel uploads cannot together pass the quota."""
    if not storage_quota or owner is None:
        return
    quotas.lock_project(conn, owner)
    remaining = storage_quota - storage_used(conn, owner, except_image=image_id)
    if size > remaining:
        raise TooLarge(_quota_message(size, remaining), field='size')


def upload(store, image_store, image_id, source, checksum=None, disk_format=None, length=None, size_cap=None,
           storage_quota=None, move=False):
    """Glance's image-upload for a ``queued`` image; returns the ``active`` image dict.

    ``source`` is a local path, an http(s) URL or a readable file object;
    ``length`` is a file object's announced size (an HTTP Content-Length):
    fewer bytes (a client gone mid-upload) fail the upload. ``checksum``
    (sha256 or md5 hex) is verified when given. The image's declared
    ``disk_format`` (or ``disk_format`` here) is checked against the content;
    when neither is set the detected format is recorded. ``size_cap`` (Glance's
    image_size_cap) and ``storage_quota`` (user_storage_quota: bytes of active
    images per owner) are enforced while the data streams (TooLarge, 413).
    On any failure the image is ``queued`` again and no file is left. ``move``: ``source`` is a file in
    ``image_store`` itself (a snapshot fetched there): it is hashed in place and renamed, not copied, and
    removed on failure.
    """
    image_id = _check_image_id(image_id)
    expected = _check_expected(checksum)
    _check_formats(disk_format, None)
    images = _images()
    _ensure_store_dir(image_store)
    with store.begin() as conn:
        row = _get_row(conn, image_id)
        if row is None:
            raise NotFound('Image', image_id, field='image')
        if row.status != 'queued':
            raise Conflict('Image %s is %s; data can only be uploaded to a queued image' % (image_id, row.status),
                           field='status')
        max_bytes, over_limit_message = _upload_limit(conn, row, length, size_cap, storage_quota)
        # 'saving' keeps a second upload out while this one runs.
        conn.execute(images.update().where(images.c.id == image_id).values(status='saving'))
    declared = disk_format or row.disk_format
    field = _source_field(source)
    final_path = _image_path(image_store, image_id)
    tmp_path = None
    placed = False
    try:
        if move:
            size, sha256, md5 = _hash_in_store(image_store, source, field, max_bytes, over_limit_message)
            tmp_path = source
        else:
            src, source_length, must_close = _open_source(source)
            try:
                fd, tmp_path = tempfile.mkstemp(prefix='.upload-%s-' % image_id, dir=image_store)
                with os.fdopen(fd, 'wb') as dst:
                    size, sha256, md5 = image_io.copy_hashing(
                        src, dst, field, source_length if source_length is not None else length,
                        max_bytes=max_bytes, over_limit_message=over_limit_message)
            finally:
                if must_close:
                    src.close()
        if expected is not None:
            actual = sha256 if expected[0] == 'sha256' else md5
            if actual != expected[1]:
                raise ImageError('checksum', '%s mismatch: expected %s, got %s' % (expected[0], expected[1], actual))
        found = inspect(tmp_path, declared)
        container = row.container_format or (found['disk_format'] if found['disk_format'] in ('aki', 'ari', 'ami')
                                             else 'bare')
        _check_formats(found['disk_format'], container)
        os.chmod(tmp_path, 0o644)  # QEMU runs as libvirt-qemu and must read it
        os.rename(tmp_path, final_path)
        placed = True
        tmp_path = None
        with store.begin() as conn:
            _check_storage_quota(conn, row.owner, image_id, size, storage_quota)
            conn.execute(images.update().where(images.c.id == image_id).values(
                status='active', size=size, virtual_size=found['virtual_size'], checksum=md5,
                os_hash_algo='sha256', os_hash_value=sha256, disk_format=found['disk_format'],
                container_format=container, location=final_path, updated_at=engine.utcnow()))
            return _to_dict(_get_row(conn, image_id))
    except BaseException:
        if tmp_path and os.path.exists(tmp_path):
            os.unlink(tmp_path)
        if placed and os.path.exists(final_path):
            os.unlink(final_path)
        with store.begin() as conn:
            conn.execute(images.update().where(images.c.id == image_id).values(status='queued'))
        raise


def _hash_in_store(image_store, path, field, max_bytes, over_limit_message):
    """(size, sha256, md5) of a file already in ``image_store`` (upload's ``move``), checked against the limit."""
    if not isinstance(path, str) or os.path.dirname(os.path.abspath(path)) != os.path.abspath(image_store):
        raise InvalidInput(field, 'a file moved into the image store must already be in it')
    if max_bytes is not None and os.path.getsize(path) > max_bytes:
        raise TooLarge(over_limit_message, field='size')
    with open(path, 'rb') as src:
        return image_io.copy_hashing(src, None, field, max_bytes=max_bytes, over_limit_message=over_limit_message)


def register(store, image_store, name, source, checksum=None, image_id=None, disk_format=None,
             container_format=None, visibility='shared', owner=None, min_disk=0, min_ram=0, protected=False,
             properties=None):
    """create + upload in one call; on failure the new row is deleted again."""
    image = create(store, name, image_id=image_id, disk_format=disk_format, container_format=container_format,
                   visibility=visibility, owner=owner, min_disk=min_disk, min_ram=min_ram, protected=protected,
                   properties=properties)
    try:
        return upload(store, image_store, image['id'], source, checksum=checksum)
    except BaseException:
        with store.begin() as conn:
            images = _images()
            conn.execute(images.delete().where(images.c.id == image['id']))
        raise


def file_digest(path):
    """sha256 hex of a local file (to compare with an image's ``os_hash_value``)."""
    digest = hashlib.sha256()
    try:
        with open(path, 'rb') as handle:
            for chunk in iter(lambda: handle.read(image_io.CHUNK), b''):
                digest.update(chunk)
    except (IOError, OSError) as exc:
        raise InvalidInput('filename', 'cannot read %s: %s' % (path, exc.strerror or exc))
    return digest.hexdigest()


# --- desired state, for the ``image`` module ------------------------------------------------------


def _comparable(image):
    if not image:
        return {}
    keys = ('id', 'name', 'status', 'disk_format', 'container_format', 'visibility', 'owner', 'min_disk',
            'min_ram', 'protected', 'properties', 'os_hash_value', 'checksum', 'size')
    return dict((k, image.get(k)) for k in keys)


def _find_for_module(store, name, image_id, owner):
    if image_id is not None:
        try:
            return get(store, _check_image_id(image_id))
        except NotFound:
            return None
    matches = list_images(store, name=name, owner=owner) if owner is not None else list_images(store, name=name)
    if len(matches) > 1:
        raise Conflict('More than one image is named %s (%s): give the id'
                       % (name, ', '.join(sorted(i['id'] for i in matches))), field='name')
    return matches[0] if matches else None


def ensure_present(store, image_store, name=None, image_id=None, filename=None, url=None, checksum=None,
                   disk_format=None, container_format=None, visibility=None, owner=None, min_disk=None,
                   min_ram=None, protected=None, properties=None, properties_purge=False, check_mode=False):
    """Register the image unless one with this name/id and the same content exists; update metadata in place.

    Image data is immutable (Glance): different content under the same name
    or id is refused naming ``filename``/``url``. For a URL without
    ``checksum`` an existing active image is taken as the same content.
    ``visibility``, ``min_disk``, ``min_ram``, ``protected`` left None keep
    the existing value (Glance's defaults for a new image).
    """
    if name is None and image_id is None:
        raise InvalidInput('name', 'give a name or an id')
    if filename is not None and url is not None:
        raise InvalidInput('url', 'give filename or url, not both')
    if url is not None and not url.startswith(('http://', 'https://')):
        raise InvalidInput('url', 'only http and https URLs are supported, got %s' % url)
    expected = _check_expected(checksum)
    wanted_props = _check_properties(properties)
    _check_formats(disk_format, container_format)
    if visibility is not None:
        _check_visibility(visibility)
    current = _find_for_module(store, name, image_id, owner)
    content_sha256 = None
    if filename is not None:
        content_sha256 = file_digest(filename)
        if expected and expected[0] == 'sha256' and expected[1] != content_sha256:
            raise ImageError('checksum', 'sha256 mismatch: expected %s, got %s' % (expected[1], content_sha256))
    elif expected and expected[0] == 'sha256':
        content_sha256 = expected[1]

    if current is None or current['status'] == 'queued':
        visibility = visibility or 'shared'
        min_disk = catalog.check_int('min_disk', min_disk or 0)
        min_ram = catalog.check_int('min_ram', min_ram or 0)
        protected = catalog.check_bool('protected', bool(protected))
        if filename is None and url is None:
            raise InvalidInput('filename', 'image %s does not exist: give filename or url to upload' % (name or image_id))
        if check_mode:
            if filename is not None:
                # A bad file fails in check mode too, and the plan shows the detected format.
                disk_format = inspect(filename, disk_format)['disk_format']
            after = {'id': image_id or (current or {}).get('id') or '(new)', 'name': name, 'status': 'active',
                     'disk_format': disk_format, 'container_format': container_format or 'bare',
                     'visibility': visibility, 'owner': owner, 'min_disk': min_disk, 'min_ram': min_ram,
                     'protected': protected, 'properties': wanted_props, 'os_hash_value': content_sha256}
            return {'changed': True, 'image': after, 'diff': {'before': _comparable(current), 'after': after}}
        source = filename if filename is not None else url
        if current is None:
            image = register(store, image_store, name, source, checksum=checksum, image_id=image_id,
                             disk_format=disk_format, container_format=container_format, visibility=visibility,
                             owner=owner, min_disk=min_disk, min_ram=min_ram, protected=protected,
                             properties=wanted_props)
        else:
            update(store, current['id'], visibility=visibility, min_disk=min_disk, min_ram=min_ram,
                   protected=protected, properties=wanted_props)
            image = upload(store, image_store, current['id'], source, checksum=checksum, disk_format=disk_format)
        return {'changed': True, 'image': image, 'diff': {'before': _comparable(current), 'after': _comparable(image)}}

    if current['status'] != 'active':
        raise Conflict('Image %s is %s' % (current['id'], current['status']), field='status')
    if content_sha256 is not None and content_sha256 != current['os_hash_value']:
        raise ImageError(_source_field(filename or url or ''),
                         'image %s (%s) exists with different content (sha256 %s, offered %s); image data is '
                         'immutable: delete it (state=absent) first or use another name'
                         % (current['name'], current['id'], current['os_hash_value'], content_sha256))
    if expected and expected[0] == 'md5' and expected[1] != current['checksum']:
        raise ImageError('checksum', 'image %s exists with md5 %s, not %s'
                         % (current['id'], current['checksum'], expected[1]))
    for field, wanted in (('disk_format', disk_format), ('container_format', container_format)):
        if wanted is not None and wanted != current[field]:
            raise InvalidInput(field, 'image %s exists with %s=%s; it cannot change after upload'
                               % (current['id'], field, current[field]))
    props = dict(wanted_props) if properties_purge else dict(current['properties'], **wanted_props)
    after = dict(current, properties=props)
    if visibility is not None:
        after['visibility'] = visibility
    if min_disk is not None:
        after['min_disk'] = catalog.check_int('min_disk', min_disk)
    if min_ram is not None:
        after['min_ram'] = catalog.check_int('min_ram', min_ram)
    if protected is not None:
        after['protected'] = catalog.check_bool('protected', protected)
    changed = _comparable(after) != _comparable(current)
    if changed and not check_mode:
        after = update(store, current['id'], visibility=visibility, min_disk=min_disk, min_ram=min_ram,
                       protected=protected, properties=wanted_props,
                       remove_properties=[k for k in current['properties'] if k not in props])
    return {'changed': changed, 'image': after, 'diff': {'before': _comparable(current), 'after': _comparable(after)}}


def ensure_absent(store, image_store, name=None, image_id=None, owner=None, check_mode=False):
    if name is None and image_id is None:
        raise InvalidInput('name', 'give a name or an id')
    current = _find_for_module(store, name, image_id, owner)
    if current is None:
        return {'changed': False, 'image': None, 'diff': {'before': {}, 'after': {}}}
    if current['protected']:
        raise Conflict('Image %s is protected and cannot be deleted' % current['id'], field='protected')
    if not check_mode:
        current = delete(store, image_store, current['id'])
    return {'changed': True, 'image': current, 'diff': {'before': _comparable(current), 'after': {}}}
