# One XSLT 1.0 transformation of an untrusted stylesheet, run by src/visuals/xslt-runner.ts in a child process.
#
# libxslt (through Debian's python3-lxml) is the engine GİB's own stylesheets are written for (xsltproc gives the
# same page); the measurements that chose it are in README ("Invoice visuals"). This process is the sandbox:
#   - libxslt's security preferences deny every read and write: document() of a file, a file: URL, a relative path
#     or an http: URL, also when built at run time (dyn:evaluate), and exsl:document's writes (DENY_ALL);
#   - xsl:include / xsl:import are refused by the caller before this runs (DENY_ALL does not cover them: libxslt
#     loads them while compiling), as is any DTD (the caller parses the stylesheet with the gateway's strict parser);
#   - resource limits: address space, CPU seconds, no file may be written (RLIMIT_FSIZE 0); the caller also kills
#     the process at its wall-clock limit and stops reading past the output limit.
# Input on stdin: "<xslt bytes> <xml bytes>\n" then both documents. Output on stdout: the page, UTF-8.
# Exit 0: done; 2: the stylesheet or the transformation failed (first line of stderr says why); 3: output too large;
# 4: out of memory.
import sys
import resource


def limit(kind, value):
    resource.setrlimit(kind, (value, value))


def strip_active_content(root):
    """Scripts, frames, plugins, <base>, meta refresh and on* handlers out of the result tree: the page is served
    with a Content-Security-Policy that blocks them anyway; this keeps them out of a downloaded file too."""
    drop = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = el.tag.rsplit('}', 1)[-1].lower()
        if name in ('script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'link', 'form'):
            drop.append(el)
            continue
        if name == 'meta' and (el.get('http-equiv') or '').strip().lower() in ('refresh', 'set-cookie', 'content-security-policy'):
            drop.append(el)
            continue
        for attr in list(el.attrib):
            local = attr.rsplit('}', 1)[-1].lower()
            value = (el.get(attr) or '').strip().lower()
            if local.startswith('on') or (local in ('href', 'src', 'action', 'formaction', 'xlink:href') and not (value.startswith('data:image/') or value.startswith('#'))):
                del el.attrib[attr]
    for el in drop:
        parent = el.getparent()
        if parent is None:
            continue
        # Keep the text that followed the element.
        if el.tail:
            prev = el.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or '') + el.tail
            else:
                parent.text = (parent.text or '') + el.tail
        parent.remove(el)


def main():
    memory_bytes, cpu_seconds, max_output = (int(a) for a in sys.argv[1:4])
    limit(resource.RLIMIT_AS, memory_bytes)
    limit(resource.RLIMIT_CPU, cpu_seconds)
    limit(resource.RLIMIT_FSIZE, 0)
    from lxml import etree

    data = sys.stdin.buffer.read()
    header, _, rest = data.partition(b'\n')
    xslt_len, xml_len = (int(n) for n in header.split())
    xslt, xml = rest[:xslt_len], rest[xslt_len:xslt_len + xml_len]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        style = etree.fromstring(xslt, parser)
        transform = etree.XSLT(style, access_control=etree.XSLTAccessControl.DENY_ALL)
        result = transform(etree.fromstring(xml, parser))
        root = result.getroot()
        if root is not None:
            strip_active_content(root)
        page = str(result).encode('utf-8')
    except MemoryError:
        sys.exit(4)
    except (etree.XSLTError, etree.XMLSyntaxError, ValueError) as err:
        sys.stderr.write(str(err).splitlines()[0] if str(err) else type(err).__name__)
        sys.exit(2)
    if len(page) > max_output:
        sys.exit(3)
    sys.stdout.buffer.write(page)


main()
