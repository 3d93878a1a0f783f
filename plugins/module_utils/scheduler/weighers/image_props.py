# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""ImagePropertiesWeigher: soft image affinity, as Nova's.

A host weighs the number of its instances whose image has each of the
requested image's properties with the same value, summed over the
properties; ``image_props_weight_setting`` (``name=ratio`` pairs) weighs
only the named properties, each by its ratio. A positive multiplier packs
instances of alike images, a negative one spreads them; Nova's default 0
leaves the weigher out (and its query is then never run).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

try:
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store import schema
except ImportError:  # pragma: no cover
    sa = None

SETTING_OPTION = 'scheduler.image_props_weight_setting'


def parse_setting(entries):
    """{property: ratio} from Nova's ``name=ratio`` list; a malformed entry names the option."""
    setting = {}
    for entry in entries or []:
        name, sep, ratio = entry.partition('=')
        try:
            number = float(ratio)
        except ValueError:
            number = None
        if not name.strip() or not sep or number is None:
            raise InvalidInput(SETTING_OPTION, 'expected name=ratio entries, got %r' % (entry,))
        setting[name.strip()] = number
    return setting


def host_weights(instance_rows, requested, setting):
    """{host: Nova's weight} from (host, image properties) of the instances on the hosts."""
    wanted = set((key, '%s' % value) for key, value in (requested or {}).items())
    weights = {}
    for host, properties in instance_rows:
        common = wanted.intersection((key, str(value)) for key, value in (properties or {}).items())
        if not common:
            continue
        gained = sum((setting.get(key, 0.0) if setting else 1.0) for key, _value in common)
        weights[host] = weights.get(host, 0.0) + gained
    return weights


class ImagePropertiesWeigher(BaseHostWeigher):
    multiplier_option = 'image_props_weight_multiplier'

    def __init__(self, config=None):
        super(ImagePropertiesWeigher, self).__init__(config)
        self.setting = parse_setting(getattr(config, 'image_props_weight_setting', None))

    def prepare(self, conn, spec):
        """Read the instances' image properties once per state load (only when this weigher is enabled)."""
        if not spec.image_properties:
            spec.image_props_weights = {}
            return
        instances = schema.table('instances')
        rows = conn.execute(sa.select(instances.c.host, instances.c.image)
                            .where(instances.c.deleted == 0, instances.c.host.isnot(None))).all()
        spec.image_props_weights = host_weights(
            ((host, (image or {}).get('properties')) for host, image in rows), spec.image_properties, self.setting)

    def weigh_all(self, state, spec, candidates):
        weights = getattr(spec, 'image_props_weights', None)
        if not weights:
            return None   # no instance shares a property: every host weighs 0
        column = np.zeros(state.n, dtype=np.float64)
        for host, weight in weights.items():
            pos = state.host_index.get(host)
            if pos is not None:
                column[pos] = weight
        return column.take(candidates)
