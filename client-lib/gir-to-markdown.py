#!/usr/bin/env python3
# gir-to-markdown.py GIR OUTPUT: the libscardbus API reference in Markdown,
# from the GIR that g-ir-scanner builds out of the doc comments in the sources.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys
import xml.etree.ElementTree as ET

NS = {
    'core': 'http://www.gtk.org/introspection/core/1.0',
    'c': 'http://www.gtk.org/introspection/c/1.0',
    'glib': 'http://www.gtk.org/introspection/glib/1.0',
}
C = '{%s}' % NS['c']
GLIB = '{%s}' % NS['glib']


def doc(node):
    d = node.find('core:doc', NS)
    return d.text.strip() if d is not None and d.text else ''


def c_type(node):
    t = node.find('core:type', NS)
    if t is None:
        t = node.find('core:array', NS)
    if t is None:
        return 'void'
    return t.get(C + 'type') or t.get('name') or 'void'


def signature(fn):
    ret = fn.find('core:return-value', NS)
    params = []
    inst = fn.find('core:parameters/core:instance-parameter', NS)
    if inst is not None:
        params.append('%s %s' % (c_type(inst), inst.get('name')))
    for p in fn.findall('core:parameters/core:parameter', NS):
        if p.find('core:varargs', NS) is not None:
            params.append('...')
        else:
            params.append('%s %s' % (c_type(p), p.get('name')))
    if fn.get('throws') == '1':
        params.append('GError **error')
    return '%s\n%s (%s);' % (c_type(ret) if ret is not None else 'void',
                             fn.get(C + 'identifier'), ',\n    '.join(params) or 'void')


def function(out, fn):
    out.append('#### `%s()`\n' % fn.get(C + 'identifier'))
    out.append('```c\n%s\n```\n' % signature(fn))
    if doc(fn):
        out.append(doc(fn) + '\n')
    rows = []
    for p in fn.findall('core:parameters/core:parameter', NS):
        if doc(p):
            rows.append('- `%s`: %s' % (p.get('name'), ' '.join(doc(p).split())))
    if fn.get('throws') == '1':
        rows.append('- `error`: return location for a #GError, or %NULL')
    ret = fn.find('core:return-value', NS)
    if ret is not None and doc(ret):
        rows.append('- returns: %s' % ' '.join(doc(ret).split()))
    if rows:
        out.append('\n'.join(rows) + '\n')


def main():
    tree = ET.parse(sys.argv[1])
    ns = tree.getroot().find('core:namespace', NS)
    out = ['# libscardbus API reference (%s %s)\n' % (ns.get('name'), ns.get('version')),
           'Generated from the GIR, which g-ir-scanner builds from the doc comments in '
           '`client-lib/`. C programs use `#include <scardbus.h>` and '
           '`pkg-config libscardbus-1`; Python and GJS programs use '
           '`gi.require_version("Scardbus", "1.0")`.\n']
    for cls in ns.findall('core:class', NS):
        out.append('## %s\n' % cls.get(GLIB + 'type-name'))
        if doc(cls):
            out.append(doc(cls) + '\n')
        props = cls.findall('core:property', NS)
        if props:
            out.append('### Properties\n')
            out.append('| name | type | description |\n|---|---|---|')
            for p in props:
                out.append('| `%s` | `%s` | %s |' % (p.get('name'), c_type(p),
                                                   ' '.join(doc(p).split())))
            out.append('')
        sigs = cls.findall('glib:signal', NS)
        if sigs:
            out.append('### Signals\n')
            for s in sigs:
                args = ', '.join('%s %s' % (c_type(p), p.get('name'))
                                 for p in s.findall('core:parameters/core:parameter', NS))
                out.append('- `%s` (%s): %s' % (s.get('name'), args, ' '.join(doc(s).split())))
            out.append('')
        fns = (cls.findall('core:constructor', NS) + cls.findall('core:function', NS) +
               cls.findall('core:method', NS))
        if fns:
            out.append('### Functions\n')
            for fn in fns:
                function(out, fn)
    enums = ns.findall('core:enumeration', NS) + ns.findall('core:bitfield', NS)
    if enums:
        out.append('## Enumerations\n')
    for e in enums:
        domain = e.get(GLIB + 'error-domain')
        out.append('### %s%s\n' % (e.get(C + 'type'),
                                   ' (GError domain `%s`)' % domain if domain else ''))
        if doc(e):
            out.append(doc(e) + '\n')
        for m in e.findall('core:member', NS):
            out.append('- `%s` = %s%s' % (m.get(C + 'identifier'), m.get('value'),
                                          ': ' + ' '.join(doc(m).split()) if doc(m) else ''))
        out.append('')
    fns = ns.findall('core:function', NS)
    if fns:
        out.append('## Other functions\n')
        for fn in fns:
            function(out, fn)
    with open(sys.argv[2], 'w', encoding='utf-8') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
