# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Semantic comparison of the domain XML we render with what libvirt stores.

On define libvirt fills in defaults (attributes such as ``placement='static'``,
``machine='pc-i440fx-7.2'``) and adds elements of its own (PCI addresses,
controllers, aliases, seclabels, ps2 inputs, the emulator path, ...). A text
comparison then always says "changed" (the complaint about community.libvirt's
virt module). Here:

* attributes libvirt added to an element we rendered are ignored;
* elements on the list below that libvirt adds by itself are ignored when we did
  not render that element at that place;
* every other difference counts: a changed value, an element we render that
  libvirt lacks, or an element libvirt has that we would not render (e.g. a NIC
  that was removed from the spec).

``pruned(actual, desired)`` gives libvirt's document reduced that way, so a diff
of the two canonical texts shows only real differences.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib

try:
    from lxml import etree
    HAS_LXML = True
except ImportError:  # pragma: no cover
    etree = None
    HAS_LXML = False

# Elements libvirt adds on define that we never render, by tag (anywhere) ...
LIBVIRT_ADDED = frozenset(['address', 'alias', 'controller', 'seclabel', 'resource', 'emulator',
                           'audio', 'panic', 'keywrap', 'launchSecurity'])
# ... and by (parent tag, tag).
LIBVIRT_ADDED_IN = frozenset([('serial', 'target'), ('console', 'log'), ('target', 'model'),
                              ('cpu', 'model'), ('cpu', 'feature'), ('graphics', 'listen'),
                              ('interface', 'target'), ('os', 'type')])


def _parse(xml):
    if isinstance(xml, str):
        xml = xml.encode('utf-8')
    parser = etree.XMLParser(remove_blank_text=True, remove_comments=True)
    return etree.fromstring(xml, parser)


def _libvirt_only(parent, child):
    if child.tag in LIBVIRT_ADDED:
        return True
    if child.tag == 'input' and child.get('bus') == 'ps2':
        return True  # the implicit PS/2 mouse and keyboard of an x86 machine
    return (parent.tag, child.tag) in LIBVIRT_ADDED_IN


def _text(el):
    return (el.text or '').strip()


def _prune(actual, desired):
    """A copy of ``actual`` keeping only what can be compared with ``desired``."""
    out = etree.Element(actual.tag, nsmap=actual.nsmap)
    for key, value in actual.attrib.items():
        if desired is None or key in desired.attrib:
            out.set(key, value)
    out.text = _text(actual) or None
    desired_children = {}
    if desired is not None:
        for child in desired:
            desired_children.setdefault(child.tag, []).append(child)
    seen = {}
    for child in actual:
        if not isinstance(child.tag, str):
            continue
        wanted = desired_children.get(child.tag, [])
        if desired is not None and not wanted and _libvirt_only(actual, child):
            continue
        if child.tag == 'input' and child.get('bus') == 'ps2':
            continue
        idx = seen.get(child.tag, 0)
        seen[child.tag] = idx + 1
        partner = wanted[idx] if idx < len(wanted) else None
        # An element libvirt has and we would not render stays whole: it is a real difference.
        out.append(_prune(child, partner) if partner is not None else _prune(child, None))
    return out


def canonical(el, indent=0):
    """Deterministic text: one element per line, attributes sorted, whitespace-only text dropped."""
    pad = '  ' * indent
    attrs = ''.join(' %s=%s' % (k, _quote(v)) for k, v in sorted(el.attrib.items()))
    text = _text(el)
    children = [c for c in el if isinstance(c.tag, str)]
    tag = el.tag
    if not children:
        return ['%s<%s%s>%s</%s>' % (pad, tag, attrs, _escape(text), tag) if text else '%s<%s%s/>' % (pad, tag, attrs)]
    lines = ['%s<%s%s>%s' % (pad, tag, attrs, _escape(text))]
    for child in children:
        lines.extend(canonical(child, indent + 1))
    lines.append('%s</%s>' % (pad, tag))
    return lines


def _escape(text):
    return text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def _quote(value):
    return '"%s"' % _escape(value).replace('"', '&quot;')


def normalised(desired_xml, actual_xml=None):
    """(desired canonical text, actual canonical text pruned against desired)."""
    desired = _parse(desired_xml)
    desired_lines = canonical(_prune(desired, None))
    if actual_xml is None:
        return '\n'.join(desired_lines) + '\n', None
    actual = _parse(actual_xml)
    return '\n'.join(desired_lines) + '\n', '\n'.join(canonical(_prune(actual, desired))) + '\n'


def equivalent(desired_xml, actual_xml):
    """True when libvirt's XML says the same as ours (libvirt's own additions ignored)."""
    want, have = normalised(desired_xml, actual_xml)
    return want == have


def diff(desired_xml, actual_xml):
    """Ansible diff dict (before = libvirt's, after = ours), both normalised."""
    want, have = normalised(desired_xml, actual_xml)
    return {'before': have or '', 'after': want, 'before_header': 'libvirt (normalised)',
            'after_header': 'rendered (normalised)'}


def unified_diff(desired_xml, actual_xml):
    want, have = normalised(desired_xml, actual_xml)
    return ''.join(difflib.unified_diff((have or '').splitlines(True), want.splitlines(True), 'libvirt', 'rendered'))
