# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""No playbook or role renders a user's value as a template: user input enters through one door.

Ansible renders templates found inside extra vars and var files. novalite's playbooks
take every user input through ``novalite.compute.user_input`` (which marks it unsafe)
and then refer only to ``novalite_input``. This test reads every template expression
of every playbook and role task file (including bare conditionals) and checks that each
variable it names is one the collection itself defines (register, set_fact, vars,
role defaults and vars), an Ansible magic variable, or an operator's deployment setting, and
never one of the names a ``user_input`` task takes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os

import jinja2
import jinja2.nodes
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILES = sorted(glob.glob(os.path.join(REPO, 'playbooks', '*.yml'))
               + glob.glob(os.path.join(REPO, 'roles', '*', 'tasks', '*.yml')))
CONDITIONAL_KEYS = ('when', 'that', 'failed_when', 'changed_when', 'until')
ANSIBLE_NAMES = {'item', 'omit', 'playbook_dir', 'role_path', 'inventory_hostname', 'hostvars', 'groups',
                 'ansible_failed_result', 'ansible_check_mode',
                 'ansible_loop', 'lookup', 'query', 'q', 'dict', 'range', 'true', 'false', 'none', 'True', 'False',
                 'None'}
# The operator's deployment settings (inventory host vars, the controller, the store): not tenants' data.
OPERATOR_SETTINGS = {'novalite_controller', 'novalite_database_url', 'database_url', 'novalite_scheduler',
                     'novalite_compute_group', 'novalite_libvirt_uri', 'novalite_instances_path',
                     'novalite_virt_type', 'image_cache_max_age', 'remove_orphans',
                     'novalite_task_state_grace', 'novalite_image_store', 'novalite_shelved_offload_time',
                     'novalite_host_networking', 'novalite_network_state_dir',
                     'novalite_allow_resize_to_same_host',
                     'novalite_follow_up_dir'}   # the shim's: each run's hand-over directory (compute/follow_ups.py)
USER_INPUT = 'novalite.compute.user_input'


class _AnyTagLoader(yaml.SafeLoader):
    pass


_AnyTagLoader.add_multi_constructor('!', lambda loader, suffix, node: loader.construct_scalar(node))


def _load(path):
    with open(path) as handle:
        return yaml.load(handle, Loader=_AnyTagLoader) or []


def _walk(node, key=None):
    """(key, string) for every string in a YAML tree, with the mapping key it sits under."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)
    elif isinstance(node, str):
        yield key, node


def _tasks(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _tasks(v)
    elif isinstance(node, list):
        for v in node:
            yield from _tasks(v)


def _defined_names():
    names = set()
    for path in FILES + glob.glob(os.path.join(REPO, 'roles', '*', 'defaults', '*.yml')) + glob.glob(
            os.path.join(REPO, 'roles', '*', 'vars', '*.yml')):
        tree = _load(path)
        if path.endswith(os.path.join('defaults', 'main.yml')) or path.endswith(os.path.join('vars', 'main.yml')):
            names.update(tree or {})
            continue
        for task in _tasks(tree):
            if isinstance(task.get('register'), str):
                names.add(task['register'])
            for key in ('vars', 'ansible.builtin.set_fact', 'set_fact'):
                if isinstance(task.get(key), dict):
                    names.update(task[key])
            loop_var = (task.get('loop_control') or {}).get('loop_var') if isinstance(
                task.get('loop_control'), dict) else None
            if loop_var:
                names.add(loop_var)
    return names


def _user_input_names():
    names = set()
    for path in FILES:
        for task in _tasks(_load(path)):
            if isinstance(task.get(USER_INPUT), dict):
                args = task[USER_INPUT]
                names.update(args.get('names') or [])
                names.update((args.get('from_files') or {}).values())
    return names


def _names_read(template):
    """Variables a template reads (loaded names, minus those it sets itself with set/for)."""
    tree = jinja2.Environment().parse(template)
    loaded = set(n.name for n in tree.find_all(jinja2.nodes.Name) if n.ctx == 'load')
    stored = set(n.name for n in tree.find_all(jinja2.nodes.Name) if n.ctx in ('store', 'param'))
    return loaded - stored


def _templates(tree):
    for key, text in _walk(tree):
        if key in CONDITIONAL_KEYS:
            yield '{{ %s }}' % text
        elif '{{' in text or '{%' in text:
            yield text


def _referenced(path):
    return [(name, text) for text in _templates(_load(path)) for name in _names_read(text)]


def test_user_inputs_are_read_only_through_user_input():
    user_inputs = _user_input_names()
    assert {'server_name', 'desired_state', 'desired_state_file', 'novalite_host_calls'} <= user_inputs
    leaks = [(os.path.relpath(p, REPO), name, text) for p in FILES for name, text in _referenced(p)
             if name in user_inputs]
    assert leaks == [], 'templates that render user input directly: %r' % leaks


def test_every_template_names_only_known_variables():
    known = _defined_names() | ANSIBLE_NAMES | OPERATOR_SETTINGS | {'novalite_input'}
    unknown = [(os.path.relpath(p, REPO), name, text) for p in FILES for name, text in _referenced(p)
               if name not in known]
    assert unknown == [], ('templates naming variables no task defines (a user input must come through %s): %r'
                           % (USER_INPUT, unknown))


def test_the_checks_see_a_direct_reference():
    """The walker finds a template that renders an extra var directly, in a value and in a conditional."""
    tree = [{'name': 'x', 'ansible.builtin.debug': {'msg': 'hi {{ server_name | upper }}'}, 'when': 'flavor != 1',
             'loop': '{%- for s in servers if s.n not in listed -%}{{ s }}{%- endfor -%}'}]
    found = set(name for text in _templates(tree) for name in _names_read(text))
    assert found == {'server_name', 'flavor', 'servers', 'listed'}
