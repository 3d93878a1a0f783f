"""No module reaches into another module's private names (``other._helper``, ``obj._attr``).

A helper another module needs is public (no underscore, a docstring). Read with the tokenizer, so
comments and strings do not count; ``self._x`` and ``cls._x`` are a class's own business.
"""

import os
import tokenize

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TREES = ('plugins', 'novalite_api')

# Underscored names that are other libraries' public API, or third-party internals we rely on knowingly.
ALLOWED = {
    '_mapping': "SQLAlchemy's Row: its documented mapping view",
    '_replace': "namedtuple's public API (also urllib's parse results)",
    '_asdict': "namedtuple's public API",
    '_fields': "namedtuple's public API",
    '_make': "namedtuple's public API",
    '_diff': "AnsibleModule's diff-mode flag (what every module reads)",
    '_shell': "an Ansible connection's shell, as ActionBase uses it to remove its tmp path",
    '_warnings': "Ansible's ValidationResult (plugin_utils/in_process.py: the alias warnings; third-party, pinned "
                 "by tests/unit/modules/test_in_process.py)",
    '_exit': "os._exit: Python's documented exit without cleanup (a spare whose run's leader is gone)",
    '_run_exitfuncs': "atexit's: a warm start's spare runs the exit handlers a fresh process runs at exit, then "
                      "sends its status (novalite_api/warm_starts.py)",
    '_no_log_values': "Ansible's ValidationResult (plugin_utils/in_process.py: no_log masking; pinned by "
                      "test_in_process.py::test_database_url_never_in_result)",
}


def _python_files():
    for top in TREES:
        for folder, _dirs, files in os.walk(os.path.join(REPO, top)):
            for name in sorted(files):
                if name.endswith('.py'):
                    yield os.path.join(folder, name)


def private_uses(path):
    """``(line, 'owner._name')`` for each attribute access to an underscored name on anything but self/cls."""
    with open(path) as handle:
        tokens = [t for t in tokenize.generate_tokens(handle.readline)
                  if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)]
    out = []
    for owner, dot, name in zip(tokens, tokens[1:], tokens[2:]):
        if (owner.type == tokenize.NAME and dot.string == '.' and name.type == tokenize.NAME
                and name.string.startswith('_') and not name.string.startswith('__')
                and owner.string not in ('self', 'cls') and name.string not in ALLOWED):
            out.append((owner.start[0], '%s.%s' % (owner.string, name.string)))
    return out


def test_no_private_names_across_modules():
    found = []
    for path in _python_files():
        found.extend('%s:%d %s' % (os.path.relpath(path, REPO), line, use) for line, use in private_uses(path))
    assert not found, 'private names used from outside (make the helper public):\n' + '\n'.join(found)


def test_the_check_sees_what_it_should(tmp_path):
    sample = tmp_path / 'sample.py'
    sample.write_text('import driver\n'
                      'def f(state, row):\n'
                      '    driver._undefine(None)  # driver._in_a_comment\n'
                      '    text = "disk._in_a_string"\n'
                      '    self_like = state._capability_cache\n'
                      '    return row._mapping, self_like, text\n')
    assert private_uses(str(sample)) == [(3, 'driver._undefine'), (5, 'state._capability_cache')]
