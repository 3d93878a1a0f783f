#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: user_input
short_description: Take a play's user input (extra vars, survey answers, desired-state files) as data, never as templates
version_added: 0.2.0
author: novalite developers (@novalite)
description:
  - Ansible renders Jinja templates it finds inside extra vars, AWX survey answers and files read
    with C(include_vars). Server names, metadata, user data and the like come from users; a value
    such as C({{ lookup('pipe', 'id') }}) must stay that text, not run a command.
  - This action reads the named variables B(without rendering them), loads the named files itself,
    and sets the fact C(novalite_input) holding every value marked unsafe, so Ansible never renders
    a template inside it wherever it goes later (module arguments, C(set_fact), loops, messages).
  - Every novalite playbook that takes input starts with this task and then refers only to
    C(novalite_input.<name>).
  - Runs on the controller (an action plugin); it reads nothing from hosts and changes nothing.
options:
  names:
    description: The variables to take (extra vars, survey answers, play vars). Undefined ones are left out.
    type: list
    elements: str
    required: true
  required:
    description: Names (from I(names)) that must be given and not empty; the task fails naming the first missing one.
    type: list
    elements: str
    default: []
  defaults:
    description: Values for names that are not given (literal values of the playbook).
    type: dict
    default: {}
  from_files:
    description:
      - Keys of C(novalite_input) to read from a YAML or JSON file, mapped to the name of the variable
        that holds the file's path (found like C(include_vars) finds files; absolute or relative to the
        playbook or the current directory).
      - A key read from a file replaces the same key taken from I(names).
    type: dict
    default: {}
  as_fact:
    description:
      - Set the fact C(novalite_input) (the default). With C(false) the values are only in the task's result,
        under C(novalite_input), for a C(register) of a C(no_log) task. The host calls' admin passwords are
        taken that way, so neither an event of the run nor the fact cache ever holds them.
    type: bool
    default: true
attributes:
  check_mode:
    description: Reads only; runs the same in check mode.
    support: full
  diff_mode:
    description: Changes nothing, so there is nothing to show.
    support: none
notes:
  - Values are never rendered, so an extra var meant as a template (C(-e 'x={{ other }}')) arrives as that text.
'''

EXAMPLES = r'''
- name: Take the inputs as data
  novalite.compute.user_input:
    names: [server_name, flavor, image, user_data]
    required: [server_name]
    defaults: {server_state: present}

- name: Use them
  novalite.compute.server:
    name: "{{ novalite_input.server_name }}"
    flavor: "{{ novalite_input.flavor | default(omit) }}"

- name: A desired-state file, read as data
  novalite.compute.user_input:
    names: [desired_state]
    from_files: {desired_state: desired_state_file}
'''

RETURN = r'''
novalite_input:
  description: With I(as_fact) false, the values the fact would hold (for C(register)).
  returned: success and I(as_fact) is false
  type: dict
ansible_facts:
  description: The fact set by this action.
  returned: success and I(as_fact) is true
  type: dict
  contains:
    novalite_input:
      description:
        - Each given name (or I(from_files) key) with its value, every string marked unsafe.
      type: dict
      returned: success
'''
