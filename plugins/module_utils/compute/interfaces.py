# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Interface attach and detach (Nova's os-interface: compute/api.py attach_interface / detach_interface and the
compute manager's), controller side.

``begin_attach``: in one transaction Nova's lock and state checks (ACTIVE, PAUSED or STOPPED, no task), the
``attach_interface`` instance action, the port bound or made (network/instance_ports.py ``attach``: Nova's
allocate_for_instance, its errors), the server's network info rewritten, and task_state ``interface_attaching``;
it returns the host call (``instance_action`` module, action ``attach_interface``) carrying the new VIF and the
host's network plan, so the host plugs the port (bridge, DHCP reservation, security group filters) and then
hot-plugs the NIC (libvirt attachDeviceFlags, live and persistent as the domain's state requires).
``begin_detach``: the same checks, ``detach_interface``, task_state ``interface_detaching``; its host call
takes the NIC out and converges the host without the port.

``record`` (the result handler of both): an attach that failed on its host is rolled back (a port made from a
network is deleted, a given one unbound), with a fault and the event's error, as Nova's
_deallocate_port_for_instance + wrap_instance_fault; a detach that succeeded unbinds the port (or deletes the one
Nova made). The task state is cleared either way and the vm_state never changes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, host_calls, instances,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.result_handlers import result_handler
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, InvalidRequest
from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan, instance_ports

# system_metadata key: the interface request in flight ({request_id, action, port_id, made}), read by ``record``
PENDING = 'interface_request'
# system_metadata key: {port id: tag} (Nova's VirtualInterface.tag, shown from 2.70)
TAGS = 'interface_tags'


def check_request(port_id=None, net_id=None, fixed_ip=None):
    """Nova's API checks of an attach body: never both a port and a network; an address only with a network."""
    for name, value in (('port_id', port_id), ('net_id', net_id), ('fixed_ip', fixed_ip)):
        if value is not None and not isinstance(value, str):
            raise InvalidInput(name, 'must be a string')
    if net_id and port_id:
        raise InvalidRequest('Must not input both network_id and port_id', field='interfaceAttachment')
    if fixed_ip and not net_id:
        raise InvalidRequest('Must input network_id when request IP address', field='interfaceAttachment')


def _vif(inst, port_id):
    for vif in inst.get('network_info') or []:
        if isinstance(vif, dict) and vif.get('id') == port_id:
            return vif
    return None


def _start(conn, store, inst, action, context, pending):
    """The task state, the compute event and the host call of ``action`` (the action record is already there)."""
    system_metadata = dict(inst.get('system_metadata') or {}, **{PENDING: pending})
    inst = instances.update(store, inst['uuid'], conn=conn, task_state=action_table.ACTIONS[action].task_state,
                            expected_task_state=[None], system_metadata=system_metadata)
    instances.event_start(conn, inst['uuid'], context.request_id, action_table.compute_event(action), host=inst['host'])
    call = host_calls.build(conn, inst, action, context.request_id)
    call['vif'] = _vif(inst, pending['port_id'])
    # the host's network as it is to be: with the new port for an attach, without the leaving one for a detach
    call['host_network'] = host_plan.desired(
        conn, inst['host'], without_ports=[pending['port_id']] if action == 'detach_interface' else ())
    return inst, call


def begin_attach(store, ident, context, port_id=None, net_id=None, fixed_ip=None, tag=None):
    """Check and start an interface attach; returns (server, host call, port id). Refusals write nothing."""
    check_request(port_id, net_id, fixed_ip)
    with store.begin() as conn:
        inst = instances.get(store, ident, project_id=context.scope, conn=conn)
        action_table.check_action(inst, 'attach_interface', context)
        if not inst.get('host'):
            raise InvalidRequest('Instance %s has no host to attach an interface on' % inst['uuid'], field='server')
        instances.action_start(conn, inst['uuid'], action_table.event_name('attach_interface'), context.request_id,
                               context.user_id, context.project_id)
        port_id, made = instance_ports.attach(conn, context, inst, port_id=port_id, network_id=net_id,
                                              fixed_ip=fixed_ip)
        inst = instances.get(store, inst['uuid'], conn=conn)
        if tag is not None:
            tags = dict((inst.get('system_metadata') or {}).get(TAGS) or {}, **{port_id: tag})
            inst = instances.update(store, inst['uuid'], conn=conn,
                                    system_metadata=dict(inst.get('system_metadata') or {}, **{TAGS: tags}))
        pending = {'request_id': context.request_id, 'action': 'attach_interface', 'port_id': port_id, 'made': made}
        inst, call = _start(conn, store, inst, 'attach_interface', context, pending)
    return inst, call, port_id


def begin_detach(store, ident, context, port_id):
    """Check and start an interface detach; returns (server, host call). A port the server has not is Nova's
    compute host's PortNotFound: the action recorded with its event in error and a fault, no host call (the API's
    answer is the 202 of Nova's cast all the same)."""
    with store.begin() as conn:
        inst = instances.get(store, ident, project_id=context.scope, conn=conn)
        action_table.check_action(inst, 'detach_interface', context)
        vif = _vif(inst, port_id)
        instances.action_start(conn, inst['uuid'], action_table.event_name('detach_interface'), context.request_id,
                               context.user_id, context.project_id)
        if vif is None:
            event = action_table.compute_event('detach_interface')
            message = 'Port %s is not attached' % port_id
            instances.event_start(conn, inst['uuid'], context.request_id, event, host=inst.get('host'))
            instances.add_fault(conn, inst['uuid'], message, host=inst.get('host'))
            instances.event_finish(conn, inst['uuid'], context.request_id, event, result='Error', traceback=message)
            return inst, None
        pending = {'request_id': context.request_id, 'action': 'detach_interface', 'port_id': port_id,
                   'made': not vif.get('preserve_on_delete')}
        inst, call = _start(conn, store, inst, 'detach_interface', context, pending)
    return inst, call


def tags(inst):
    """{port id: tag} of the server's interfaces attached with one."""
    return dict((inst.get('system_metadata') or {}).get(TAGS) or {})


def _failure(host_result, error):
    if error is not None:
        return error if isinstance(error, str) else str(error)
    result = host_result or {}
    if result.get('failed') or result.get('unreachable'):
        from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
        return conductor.fault_message(result)
    return None


@result_handler(*action_table.INTERFACE_ACTIONS)
def record(store, ident, action, request_id, host_result=None, error=None):
    """Record an attach's or detach's host outcome (see the module docstring); returns the server row."""
    failure = _failure(host_result, error)
    event = action_table.compute_event(action)
    with store.begin() as conn:
        inst = instances.get(store, ident, include_deleted=True, conn=conn)
        system_metadata = dict(inst.get('system_metadata') or {})
        pending = system_metadata.get(PENDING) or {}
        if pending.get('request_id') != request_id:
            # not (or no longer) this request's: a second result of a request already recorded
            out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
            out['changed'] = False
            return out
        system_metadata.pop(PENDING, None)
        port_id = pending.get('port_id')
        leaving = (action == 'attach_interface' and failure is not None) or (
            action == 'detach_interface' and failure is None)
        if leaving:
            instance_ports.detach(conn, inst['uuid'], port_id, delete=bool(pending.get('made')))
            port_tags = dict(system_metadata.get(TAGS) or {})
            if port_tags.pop(port_id, None) is not None:
                system_metadata[TAGS] = port_tags
        elif action == 'attach_interface' and (host_result or {}).get('plugged'):
            host_plan.mark_plugged(conn, inst['host'], host_result['plugged'])
            instance_ports.refresh(conn, inst['uuid'])
        values = {'task_state': None, 'system_metadata': system_metadata}
        if failure is None and (host_result or {}).get('domain_xml'):
            values['domain_xml'] = host_result['domain_xml']
        power = (host_result or {}).get('power_state')
        if power is not None:
            values['power_state'] = power
        instances.update(store, inst['uuid'], conn=conn, **values)
        if failure is None:
            instances.event_finish(conn, inst['uuid'], request_id, event, host=inst.get('host'))
        else:
            verb = 'attach network adapter device to' if action == 'attach_interface' else \
                'detach network adapter device from'
            message = 'Failed to %s %s: %s' % (verb, inst['uuid'], failure)
            instances.add_fault(conn, inst['uuid'], message, host=inst.get('host'))
            instances.event_finish(conn, inst['uuid'], request_id, event, result='Error', traceback=message)
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
        out['changed'] = True
        return out


def outcome(store, ident, request_id):
    """How the interface request ``request_id`` of server ``ident`` ended: None while in flight, else
    {'ok': bool, 'message': the failure}."""
    inst = instances.get(store, ident, include_deleted=True)
    pending = (inst.get('system_metadata') or {}).get(PENDING) or {}
    if pending.get('request_id') == request_id and inst['task_state'] in (S.INTERFACE_ATTACHING,
                                                                          S.INTERFACE_DETACHING):
        return None
    for act in instances.list_actions(store, inst['uuid']):
        if act['request_id'] != request_id:
            continue
        for ev in act.get('events') or []:
            if ev.get('event', '').startswith('compute_') and ev.get('result') == 'Error':
                return {'ok': False, 'message': ev.get('traceback') or ev.get('details') or 'failed'}
    return {'ok': True, 'message': None}
