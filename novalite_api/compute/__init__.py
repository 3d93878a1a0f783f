# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's Compute API v2.1 with microversions up to 2.38, over the collection's code.

Laid out as Nova's ``nova/api/openstack/compute/``: one module per resource
(``flavors``, ``flavor_access``, ``extra_specs``, ``keypairs``, ``servers``,
``server_metadata``, ``server_tags``, ``instance_actions``, ``limits``,
``quota_sets``, ``availability_zones``, ``hypervisors``, ``services``,
``versions``), the request bodies' JSON schemas in ``schemas/<resource>.py``
and the response bodies of the larger resources in ``views/<resource>.py``.
``routes.py`` lists every route; ``api_version.py`` reads the microversion
and ``common.py`` holds what the resources share (links, paging, the server
lookup).

Every body carries exactly the fields Nova documents for the requested
microversion (2.2 keypair type, 2.3 extended attributes, 2.9 locked, 2.16
host_status, 2.19 description, 2.26 tags, 2.28 cpu_info object, 2.33/2.35
paging, 2.36 no network-proxy quotas, 2.38 strict status filter...).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
