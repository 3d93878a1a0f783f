# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Who may call what: Nova's (and Glance's) default rules, overridable by a policy.yaml.

The rule language is oslo.policy's: ``role:X``, ``rule:other``,
``project_id:%(project_id)s`` / ``user_id:%(user_id)s`` (a credential compared
with a target attribute), ``is_admin:True``, ``'literal':%(attr)s``, ``@``
(always), ``!`` (never), ``and``, ``or``, ``not`` and parentheses; an empty
string allows everyone. Defaults are Nova's secure-RBAC ones (admin, member,
reader roles; admin implies member implies reader in the token).

``load(path)`` reads a file of ``"rule": "check string"`` lines (YAML or
JSON) over the defaults: a rule name the service does not use is logged as a
warning, a check string that does not parse is an error naming the rule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import logging

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NovaliteError

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - ansible-core depends on PyYAML
    HAS_YAML = False

LOG = logging.getLogger('novalite_api.policy')

ADMIN = 'rule:admin_api'
READER = 'rule:project_reader_or_admin'
MEMBER = 'rule:project_member_or_admin'
OWNER_USER = '(rule:admin_api) or user_id:%(user_id)s'

DEFAULTS = {
    # nova/policies/base.py
    'context_is_admin': 'role:admin',
    'admin_or_owner': 'is_admin:True or project_id:%(project_id)s',
    'admin_api': 'is_admin:True',
    'project_member_api': 'role:member and project_id:%(project_id)s',
    'project_reader_api': 'role:reader and project_id:%(project_id)s',
    'project_member_or_admin': 'rule:project_member_api or rule:context_is_admin',
    'project_reader_or_admin': 'rule:project_reader_api or rule:context_is_admin',
    'service_api': 'role:service',
    'service_or_admin': 'rule:service_api or rule:context_is_admin',
    # servers
    'os_compute_api:servers:index': READER,
    'os_compute_api:servers:detail': READER,
    'os_compute_api:servers:index:get_all_tenants': ADMIN,
    'os_compute_api:servers:detail:get_all_tenants': ADMIN,
    'os_compute_api:servers:allow_all_filters': ADMIN,
    'os_compute_api:servers:show': READER,
    'os_compute_api:servers:show:host_status': ADMIN,
    'os_compute_api:servers:show:flavor-extra-specs': READER,
    'compute:server:topology:index': READER,
    'os_compute_api:os-server-shares:index': READER,
    'os_compute_api:os-server-shares:show': READER,
    'os_compute_api:os-server-shares:create': MEMBER,
    'os_compute_api:os-server-shares:delete': MEMBER,
    # nova/policies/volumes_attachments.py; a swap is for the volume service only
    'os_compute_api:os-volumes-attachments:index': READER,
    'os_compute_api:os-volumes-attachments:show': READER,
    'os_compute_api:os-volumes-attachments:create': MEMBER,
    'os_compute_api:os-volumes-attachments:update': MEMBER,
    'os_compute_api:os-volumes-attachments:swap': 'role:service',
    'os_compute_api:os-volumes-attachments:delete': MEMBER,
    # nova/policies/volumes.py: the volume and snapshot proxies (until 2.35)
    'os_compute_api:os-volumes:list': READER,
    'os_compute_api:os-volumes:detail': READER,
    'os_compute_api:os-volumes:show': READER,
    'os_compute_api:os-volumes:create': MEMBER,
    'os_compute_api:os-volumes:delete': MEMBER,
    'os_compute_api:os-volumes:snapshots:list': READER,
    'os_compute_api:os-volumes:snapshots:detail': READER,
    'os_compute_api:os-volumes:snapshots:show': READER,
    'os_compute_api:os-volumes:snapshots:create': MEMBER,
    'os_compute_api:os-volumes:snapshots:delete': MEMBER,
    # nova/policies/assisted_volume_snapshots.py: the volume service's calls
    'os_compute_api:os-assisted-volume-snapshots:create': 'rule:service_api',
    'os_compute_api:os-assisted-volume-snapshots:delete': 'rule:service_api',
    # nova/policies/baremetal_nodes.py
    'os_compute_api:os-baremetal-nodes:list': ADMIN,
    'os_compute_api:os-baremetal-nodes:show': ADMIN,
    # nova/policies/attach_interfaces.py
    'os_compute_api:os-attach-interfaces:list': READER,
    'os_compute_api:os-attach-interfaces:show': READER,
    'os_compute_api:os-attach-interfaces:create': MEMBER,
    'os_compute_api:os-attach-interfaces:delete': MEMBER,
    'os_compute_api:servers:create': MEMBER,
    'os_compute_api:servers:create:forced_host': ADMIN,
    'compute:servers:create:requested_destination': ADMIN,
    'os_compute_api:servers:create:zero_disk_flavor': ADMIN,
    'os_compute_api:servers:delete': MEMBER,
    'os_compute_api:servers:update': MEMBER,
    'os_compute_api:servers:start': MEMBER,
    'os_compute_api:servers:stop': MEMBER,
    'os_compute_api:servers:reboot': MEMBER,
    'os_compute_api:os-pause-server:pause': MEMBER,
    'os_compute_api:os-pause-server:unpause': MEMBER,
    'os_compute_api:os-suspend-server:suspend': MEMBER,
    'os_compute_api:os-suspend-server:resume': MEMBER,
    'os_compute_api:os-lock-server:lock': MEMBER,
    'os_compute_api:os-lock-server:unlock': MEMBER,
    'os_compute_api:os-lock-server:unlock:unlock_override': ADMIN,
    'os_compute_api:os-admin-actions:reset_state': ADMIN,
    'os_compute_api:os-admin-actions:inject_network_info': ADMIN,
    'os_compute_api:servers:trigger_crash_dump': MEMBER,
    'os_compute_api:os-admin-password': MEMBER,
    'os_compute_api:os-multinic:add': MEMBER,
    'os_compute_api:os-multinic:remove': MEMBER,
    'os_compute_api:os-evacuate': ADMIN,
    'os_compute_api:servers:rebuild': MEMBER,
    'os_compute_api:servers:rebuild:trusted_certs': MEMBER,
    'os_compute_api:os-console-output': MEMBER,
    'os_compute_api:os-remote-consoles': MEMBER,
    'os_compute_api:os-rescue': MEMBER,
    'os_compute_api:os-unrescue': MEMBER,
    'os_compute_api:servers:create_image': MEMBER,
    'os_compute_api:os-create-backup': MEMBER,
    'os_compute_api:os-shelve:shelve': MEMBER,
    'os_compute_api:os-shelve:unshelve': MEMBER,
    'os_compute_api:os-shelve:unshelve_to_host': ADMIN,
    'os_compute_api:os-shelve:shelve_offload': ADMIN,
    'os_compute_api:servers:resize': MEMBER,
    'os_compute_api:servers:confirm_resize': MEMBER,
    'os_compute_api:servers:revert_resize': MEMBER,
    'os_compute_api:os-migrate-server:migrate': ADMIN,
    'os_compute_api:os-migrate-server:migrate:host': ADMIN,
    'os_compute_api:os-migrate-server:migrate_live': ADMIN,
    'os_compute_api:os-migrate-server:migrate_live:host': ADMIN,
    'os_compute_api:os-migrations:index': ADMIN,
    'os_compute_api:servers:migrations:index': ADMIN,
    'os_compute_api:servers:migrations:show': ADMIN,
    'os_compute_api:servers:migrations:force_complete': ADMIN,
    'os_compute_api:servers:migrations:delete': ADMIN,
    'os_compute_api:os-extended-server-attributes': ADMIN,
    'os_compute_api:server-metadata:index': READER,
    'os_compute_api:server-metadata:show': READER,
    'os_compute_api:server-metadata:create': MEMBER,
    'os_compute_api:server-metadata:update': MEMBER,
    'os_compute_api:server-metadata:update_all': MEMBER,
    'os_compute_api:server-metadata:delete': MEMBER,
    'os_compute_api:ips:index': READER,
    'os_compute_api:os-deferred-delete:restore': MEMBER,
    'os_compute_api:os-deferred-delete:force': MEMBER,
    'os_compute_api:os-simple-tenant-usage:list': ADMIN,
    'os_compute_api:os-simple-tenant-usage:show': READER,
    'os_compute_api:ips:show': READER,
    'os_compute_api:os-server-tags:index': READER,
    'os_compute_api:os-server-tags:show': READER,
    'os_compute_api:os-server-tags:update': MEMBER,
    'os_compute_api:os-server-tags:update_all': MEMBER,
    'os_compute_api:os-server-tags:delete': MEMBER,
    'os_compute_api:os-server-tags:delete_all': MEMBER,
    'os_compute_api:os-instance-actions:list': READER,
    'os_compute_api:os-instance-actions:show': READER,
    'os_compute_api:os-instance-actions:events': ADMIN,
    'os_compute_api:os-instance-actions:events:details': ADMIN,
    # flavors
    'os_compute_api:os-flavor-manage:create': ADMIN,
    'os_compute_api:os-flavor-manage:delete': ADMIN,
    'os_compute_api:os-flavor-manage:update': ADMIN,
    'os_compute_api:os-flavor-extra-specs:index': READER,
    'os_compute_api:os-flavor-extra-specs:show': READER,
    'os_compute_api:os-flavor-extra-specs:create': ADMIN,
    'os_compute_api:os-flavor-extra-specs:update': ADMIN,
    'os_compute_api:os-flavor-extra-specs:delete': ADMIN,
    'os_compute_api:os-flavor-access': ADMIN,
    'os_compute_api:os-flavor-access:add_tenant_access': ADMIN,
    'os_compute_api:os-flavor-access:remove_tenant_access': ADMIN,
    # keypairs: the caller's own, or anyone's for admins
    'os_compute_api:os-keypairs:index': OWNER_USER,
    'os_compute_api:os-keypairs:create': OWNER_USER,
    'os_compute_api:os-keypairs:show': OWNER_USER,
    'os_compute_api:os-keypairs:delete': OWNER_USER,
    # quotas and limits
    'os_compute_api:limits:other_project': ADMIN,
    'os_compute_api:limits': '@',
    'os_compute_api:os-quota-sets:show': READER,
    'os_compute_api:os-quota-sets:detail': READER,
    'os_compute_api:os-quota-sets:defaults': '@',
    'os_compute_api:os-quota-sets:update': ADMIN,
    'os_compute_api:os-quota-sets:delete': ADMIN,
    'os_compute_api:os-quota-class-sets:show': ADMIN,
    'os_compute_api:os-console-auth-tokens': ADMIN,
    'os_compute_api:os-hosts:list': ADMIN,
    'os_compute_api:os-server-diagnostics': ADMIN,
    'os_compute_api:os-server-password:show': READER,
    'os_compute_api:os-server-password:clear': MEMBER,
    'os_compute_api:os-server-external-events:create': 'rule:service_or_admin',
    'os_compute_api:os-instance-usage-audit-log:list': ADMIN,
    'os_compute_api:os-instance-usage-audit-log:show': ADMIN,
    'os_compute_api:extensions': '@',
    'os_compute_api:os-security-groups:get': READER,
    'os_compute_api:os-floating-ip-pools': '@',
    'os_compute_api:os-floating-ips:list': READER,
    'os_compute_api:os-floating-ips:show': READER,
    'os_compute_api:os-floating-ips:create': MEMBER,
    'os_compute_api:os-floating-ips:delete': MEMBER,
    'os_compute_api:os-floating-ips:add': MEMBER,
    'os_compute_api:os-floating-ips:remove': MEMBER,
    'os_compute_api:os-networks:list': READER,
    'os_compute_api:os-networks:show': READER,
    'os_compute_api:os-tenant-networks:list': READER,
    'os_compute_api:os-tenant-networks:show': READER,
    'os_compute_api:os-security-groups:show': READER,
    'os_compute_api:os-security-groups:create': MEMBER,
    'os_compute_api:os-security-groups:update': MEMBER,
    'os_compute_api:os-security-groups:delete': MEMBER,
    'os_compute_api:os-security-groups:rule:create': MEMBER,
    'os_compute_api:os-security-groups:rule:delete': MEMBER,
    'os_compute_api:os-security-groups:list': READER,
    'os_compute_api:os-security-groups:add': MEMBER,
    'os_compute_api:os-security-groups:remove': MEMBER,
    'os_compute_api:os-hosts:show': ADMIN,
    'os_compute_api:os-hosts:update': ADMIN,
    'os_compute_api:os-hosts:reboot': ADMIN,
    'os_compute_api:os-hosts:shutdown': ADMIN,
    'os_compute_api:os-hosts:start': ADMIN,
    'os_compute_api:os-quota-class-sets:update': ADMIN,
    # hosts
    'os_compute_api:os-hypervisors:list': ADMIN,
    'os_compute_api:os-hypervisors:list-detail': ADMIN,
    'os_compute_api:os-hypervisors:show': ADMIN,
    'os_compute_api:os-hypervisors:statistics': ADMIN,
    'os_compute_api:os-hypervisors:uptime': ADMIN,
    'os_compute_api:os-hypervisors:search': ADMIN,
    'os_compute_api:os-hypervisors:servers': ADMIN,
    'os_compute_api:os-services:list': ADMIN,
    'os_compute_api:os-server-groups:index': READER,
    'os_compute_api:os-server-groups:index:all_projects': ADMIN,
    'os_compute_api:os-server-groups:show': READER,
    'os_compute_api:os-server-groups:create': MEMBER,
    'os_compute_api:os-server-groups:delete': MEMBER,
    'os_compute_api:os-services:update': ADMIN,
    'os_compute_api:os-services:delete': ADMIN,
    'os_compute_api:os-aggregates:index': ADMIN,
    'os_compute_api:os-aggregates:create': ADMIN,
    'os_compute_api:os-aggregates:show': ADMIN,
    'os_compute_api:os-aggregates:update': ADMIN,
    'os_compute_api:os-aggregates:delete': ADMIN,
    'os_compute_api:os-aggregates:add_host': ADMIN,
    'os_compute_api:os-aggregates:remove_host': ADMIN,
    'os_compute_api:os-aggregates:set_metadata': ADMIN,
    'compute:aggregates:images': ADMIN,
    'os_compute_api:os-availability-zone:list': READER,
    'os_compute_api:os-availability-zone:detail': ADMIN,
    # Glance (image API)
    'get_images': READER,
    'get_image': "rule:context_is_admin or project_id:%(project_id)s or 'public':%(visibility)s "
                 "or 'community':%(visibility)s",
    'delete_image': 'rule:context_is_admin or (role:member and project_id:%(project_id)s)',
    'modify_image': 'rule:context_is_admin or (role:member and project_id:%(project_id)s)',
    'add_image': MEMBER,
    'upload_image': 'rule:context_is_admin or (role:member and project_id:%(project_id)s)',
    'publicize_image': 'role:admin',
}


class Forbidden(NovaliteError):
    code = 403
    kind = 'Forbidden'


class PolicySyntaxError(InvalidInput):
    """A check string that does not parse; ``field`` is ``policy_file``."""


# ---- the check language ------------------------------------------------------------------------

def _tokens(text):
    """oslo.policy's tokenizer: words split on spaces, with leading "(" and trailing ")" peeled off."""
    out = []
    for word in text.split():
        opening = len(word) - len(word.lstrip('('))
        out.extend(['('] * opening)
        word = word[opening:]
        closing = len(word) - len(word.rstrip(')'))
        if closing and word[:-closing]:
            out.append(word[:-closing])
            out.extend([')'] * closing)
        elif closing:
            out.extend([')'] * closing)
        elif word:
            out.append(word)
    return out


def _atom(token):
    if token == '@':
        return ('true',)
    if token == '!':
        return ('false',)
    if ':' not in token:
        raise ValueError('%r is not a check (expected kind:match, @ or !)' % token)
    kind, match = token.split(':', 1)
    if not kind or not match:
        raise ValueError('%r is not a check (expected kind:match)' % token)
    if kind == 'rule':
        return ('rule', match)
    if kind == 'role':
        return ('role', match.lower())
    if kind[0] in '\'"':
        if len(kind) < 2 or kind[-1] != kind[0]:
            raise ValueError('unterminated literal in %r' % token)
        return ('literal', kind[1:-1], match)
    return ('generic', kind, match)


class _Parser(object):
    """Recursive descent: or_expr := and_expr ('or' and_expr)*; and_expr := not_expr ('and' not_expr)*."""

    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.pos += 1
        return token

    def parse(self):
        if not self.tokens:
            return ('true',)   # "" allows everyone, as in oslo.policy
        tree = self.or_expr()
        if self.peek() is not None:
            raise ValueError('unexpected %r' % self.peek())
        return tree

    def or_expr(self):
        parts = [self.and_expr()]
        while self.peek() == 'or':
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else ('or',) + tuple(parts)

    def and_expr(self):
        parts = [self.not_expr()]
        while self.peek() == 'and':
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else ('and',) + tuple(parts)

    def not_expr(self):
        if self.peek() == 'not':
            self.take()
            return ('not', self.not_expr())
        return self.primary()

    def primary(self):
        token = self.take()
        if token is None:
            raise ValueError('the check string ends too early')
        if token == '(':
            tree = self.or_expr()
            if self.take() != ')':
                raise ValueError('missing ")"')
            return tree
        if token in (')', 'and', 'or'):
            raise ValueError('unexpected %r' % token)
        return _atom(token)


def parse(text):
    """A check string as a tree; ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError('must be a string, got %r' % (text,))
    return _Parser(_tokens(text)).parse()


def _credential(ctx, kind):
    if kind == 'is_admin':
        return bool(ctx.is_admin)
    if kind == 'roles':
        return list(ctx.roles)
    return getattr(ctx, kind, None)


def _substitute(match, target):
    if '%(' not in match:
        return match
    try:
        return match % target
    except (KeyError, TypeError, ValueError):
        return None   # the target lacks the attribute: the check fails, as in oslo.policy


def _constant(match):
    try:
        return ast.literal_eval(match)
    except (ValueError, SyntaxError):
        return match


def _evaluate(tree, ctx, target, rules, depth=0):
    op = tree[0]
    if op == 'true':
        return True
    if op == 'false':
        return False
    if op == 'or':
        return any(_evaluate(t, ctx, target, rules, depth) for t in tree[1:])
    if op == 'and':
        return all(_evaluate(t, ctx, target, rules, depth) for t in tree[1:])
    if op == 'not':
        return not _evaluate(tree[1], ctx, target, rules, depth)
    if op == 'role':
        return tree[1] in [r.lower() for r in ctx.roles]
    if op == 'rule':
        if tree[1] not in rules or depth > 20:
            return False   # an undefined rule never passes (oslo.policy's behaviour)
        return _evaluate(rules[tree[1]], ctx, target, rules, depth + 1)
    if op == 'literal':
        wanted = _substitute(tree[2], target)
        return wanted is not None and tree[1] == str(wanted)
    # generic: a credential attribute against a target value or a constant
    kind, match = tree[1], tree[2]
    have = _credential(ctx, kind)
    if '%(' in match:
        wanted = _substitute(match, target)
        return wanted is not None and have is not None and str(have) == str(wanted)
    constant = _constant(match)
    if isinstance(have, list):
        return constant in have or match in have
    return have == constant or (have is not None and str(have) == match)


def _compile_all(text_rules):
    compiled = {}
    for name, text in text_rules.items():
        try:
            compiled[name] = parse(text)
        except ValueError as exc:
            raise PolicySyntaxError('policy_file', 'rule %r: %r does not parse: %s' % (name, text, exc))
    return compiled


RULES = dict(DEFAULTS)            # rule -> check string in force
_COMPILED = _compile_all(DEFAULTS)


def load(path):
    """Apply the overrides in ``path`` (``None``: Nova's defaults only). Returns the rules in force.

    Raises PolicySyntaxError (an InvalidInput on ``policy_file``) naming the
    rule whose check string does not parse; nothing is applied then.
    """
    global RULES, _COMPILED   # pylint: disable=global-statement
    merged = dict(DEFAULTS)
    if path is not None:
        merged.update(read_file(path))
    compiled = _compile_all(merged)
    RULES, _COMPILED = merged, compiled
    return dict(RULES)


def read_file(path):
    """The ``rule: check string`` mapping of a policy file; unknown rule names are logged."""
    if not HAS_YAML:
        raise InvalidInput('policy_file', 'reading %s needs PyYAML' % path)
    try:
        with open(path) as handle:
            raw = yaml.safe_load(handle)
    except (IOError, OSError) as exc:
        raise InvalidInput('policy_file', 'cannot read %s: %s' % (path, exc.strerror or exc))
    except yaml.YAMLError as exc:
        raise InvalidInput('policy_file', '%s is not valid YAML: %s' % (path, exc))
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput('policy_file', '%s must be a mapping of rule name to check string' % path)
    out = {}
    for name, text in raw.items():
        if not isinstance(name, str):
            raise InvalidInput('policy_file', 'rule name %r is not a string' % (name,))
        if text is None:
            text = ''
        if not isinstance(text, str):
            raise PolicySyntaxError('policy_file', 'rule %r: the check must be a string, got %r' % (name, text))
        if name not in DEFAULTS:
            LOG.warning('policy file %s: rule %r is not used by this service (typo?); kept for rule: references',
                        path, name)
        out[name] = text
    return out


def _default_target(ctx, target):
    # Nova's context.can(): without a target the check is about the caller's own project and user.
    base = {'project_id': ctx.project_id, 'user_id': ctx.user_id}
    if target:
        base.update(target)
    return base


def allowed(rule, ctx, target=None, rules=None):
    """True when ``ctx`` passes ``rule`` for ``target`` (a dict: project_id, user_id, visibility...)."""
    compiled = _COMPILED if rules is None else _compile_all(rules)
    if rule not in compiled:
        raise KeyError('policy rule %r is not registered' % rule)
    return _evaluate(compiled[rule], ctx, _default_target(ctx, target), compiled)


def enforce(rule, ctx, target=None):
    if not allowed(rule, ctx, target):
        raise Forbidden('Policy doesn\'t allow %s to be performed.' % rule)
