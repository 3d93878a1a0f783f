# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The state store option shared by every controller-side module.
    DOCUMENTATION = r'''
options:
  database_url:
    description:
      - SQLAlchemy URL of the novalite state store.
      - C(sqlite:////path/to/file.db) (the default backend) or C(mysql+pymysql://user:pass@host/db).
      - When omitted, the E(NOVALITE_DATABASE_URL) environment variable, else C(sqlite:////var/lib/novalite/novalite.db).
      - The database schema is created or upgraded in place on first use.
    type: str
notes:
  - This module runs on the controller (delegate it to the control node); it reads and
    writes the state store, which compute hosts never open (Nova's conductor rule).
  - When the task's target is the control node itself (local connection, no become, no async,
    no task C(environment)), its action plugin runs it inside ansible-playbook, with the same
    argument validation, check and diff mode and no_log masking; otherwise the module is shipped
    as usual.
attributes:
  action:
    description: Has an action plugin that runs the module in-process on the control node.
    support: full
requirements:
  - SQLAlchemy >= 2.0
  - alembic
  - PyMySQL (for MySQL/MariaDB)
'''

    # Who is acting (Nova's request context), for modules that act on servers.
    CONTEXT = r'''
options:
  project_id:
    description:
      - Project (name or id) the server belongs to (new servers) or must belong to (existing ones).
      - Resolved against the identity tables of the REST shim (C(projects)); a project that is not
        there fails. When omitted, the admin project (named C(admin)).
      - Without any identity rows (playbook-only use) the value is taken as the project id as given,
        and the default is the id C(admin).
    type: str
  user_id:
    description:
      - User (name or id) recorded as the requester, resolved like I(project_id); default the user C(admin).
    type: str
  is_admin:
    description:
      - Act with the admin role (may act on locked servers and on every project's servers).
      - Operators running playbooks are admins; the REST shim passes the caller's real roles.
    type: bool
    default: true
  request_id:
    description:
      - Request id recorded with the instance action (C(req-<uuid>)); generated when omitted.
    type: str
'''

    # What a new server is made of, shared by the server and server_build modules.
    SERVER_CREATE = r'''
options:
  flavor:
    description:
      - Flavor name or id, for a new server.
    type: str
  image:
    description:
      - Image name or id, for a new server.
    type: str
  availability_zone:
    description:
      - Availability zone to schedule a new server into.
    type: str
  server_group:
    description:
      - Server group (name or uuid) the new server joins; its policy constrains scheduling.
    type: str
  key_name:
    description:
      - Keypair name (of I(user_id)) injected into a new server.
    type: str
  user_data:
    description:
      - User data for a new server, base64-encoded as Nova's API takes it (plain text is passed as is).
      - The guest reads it from a config drive (ISO 9660, label C(config-2), C(openstack/latest/user_data)).
    type: str
  metadata:
    description:
      - Server metadata (key/value strings) for a new server.
    type: dict
  scheduler_hints:
    description:
      - Nova scheduler hints such as C(same_host) and C(different_host) (lists of server uuids).
    type: dict
  scheduler:
    description:
      - Scheduler configuration with Nova's C([filter_scheduler]) option names and defaults, the same
        option as I(scheduler) of M(novalite.compute.schedule), for example C(enabled_filters),
        C(available_filters), C(weight_classes), the C(*_weight_multiplier) options, C(host_subset_size) and
        C(max_attempts).
    type: dict
'''
