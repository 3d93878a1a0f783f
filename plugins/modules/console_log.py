#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: console_log
short_description: The tail of a novalite instance's serial console log on its compute host
description:
  - Runs on a compute host and only reads (Nova's C(get_console_output) of the libvirt driver) - the last
    100 KiB of the instance's C(console.log), then its last I(length) lines, as ASCII text with control
    characters other than tab and newline removed, as the Compute API's C(os-getConsoleOutput) answers.
  - The instance's domain must exist on this host; a console log not written yet is empty text.
  - Never opens the state store. Never changes anything (C(changed) is always false; check mode reads too).
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
options:
  instance:
    description:
      - The instance spec; only C(uuid) is used.
    type: dict
    required: true
  length:
    description:
      - How many lines from the end (0 gives nothing). Omitted, the whole (last 100 KiB of the) log.
    type: int
'''

EXAMPLES = r'''
- name: The last 20 lines the guest printed
  novalite.compute.console_log:
    instance: {uuid: 0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e}
    length: 20
  register: console
'''

RETURN = r'''
output:
  description: The console text.
  returned: success
  type: str
truncated_bytes:
  description: Bytes at the start of the log left out because only the last 100 KiB are read.
  returned: success
  type: int
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import HOST_ARGS, NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers

MODULE = NovaliteModule(spec(
    HOST_ARGS,
    instance=dict(type='dict', required=True),
    length=dict(type='int'),
), handlers.console_log)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
