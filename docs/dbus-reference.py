#!/usr/bin/python3
"""Writes the D-Bus API reference (Markdown) from introspection/*.xml.

Each interface, method, signal and property is documented by the XML comment
right before it, in gdbus-codegen's format: a first line "Name:", optional
"@arg: text" lines, then free text.
"""
import sys
import xml.dom.minidom


def parse_comment(text):
    lines = [line.strip() for line in text.strip().splitlines()]
    args = {}
    body = []
    current = None
    for line in lines[1:]:
        if line.startswith("@") and ":" in line:
            name, _, rest = line[1:].partition(":")
            current = name.strip()
            args[current] = rest.strip()
        elif current is not None and line and not body:
            args[current] += " " + line
        else:
            current = None if not line else current
            if line or body:
                body.append(line)
    short = args.pop("short_description", "")
    return short, args, "\n".join(body).strip()


def comment_before(node):
    prev = node.previousSibling
    while prev is not None and prev.nodeType == prev.TEXT_NODE and not prev.data.strip():
        prev = prev.previousSibling
    if prev is not None and prev.nodeType == prev.COMMENT_NODE:
        return parse_comment(prev.data)
    return "", {}, ""


def signature(args):
    return ", ".join(
        f"{a.getAttribute('direction') or 'in'} {a.getAttribute('type')} {a.getAttribute('name')}"
        for a in args)


def document(path, out):
    dom = xml.dom.minidom.parse(path)
    for iface in dom.getElementsByTagName("interface"):
        name = iface.getAttribute("name")
        short, _, body = comment_before(iface)
        out.append(f"## {name}\n")
        if short:
            out.append(f"*{short}*\n")
        out.append(body + "\n")
        sections = [("Methods", "method"), ("Signals", "signal"), ("Properties", "property")]
        for title, tag in sections:
            members = [m for m in iface.childNodes
                       if m.nodeType == m.ELEMENT_NODE and m.tagName == tag]
            if not members:
                continue
            out.append(f"### {title}\n")
            for member in members:
                _, args, text = comment_before(member)
                mname = member.getAttribute("name")
                if tag == "property":
                    out.append(f"#### `{mname}` ({member.getAttribute('type')}, "
                               f"{member.getAttribute('access')})\n")
                else:
                    margs = member.getElementsByTagName("arg")
                    if tag == "signal":
                        sig = ", ".join(f"{a.getAttribute('type')} {a.getAttribute('name')}"
                                        for a in margs)
                    else:
                        sig = signature(margs)
                    out.append(f"#### `{mname} ({sig})`\n")
                    for arg, desc in args.items():
                        out.append(f"- `{arg}`: {desc}")
                    if args:
                        out.append("")
                out.append(text + "\n")


def main(output, inputs):
    out = ["# scardbus D-Bus API reference\n",
           "Generated from `introspection/*.xml`. Bus name `org.scardbus.SmartCard1`, "
           "root object `/org/scardbus/SmartCard1`.\n"]
    for path in inputs:
        document(path, out)
    with open(output, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
