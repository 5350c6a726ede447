"""XML and HTML: ElementTree build and parse, minidom, html escaping and parsing."""
import html
import xml.dom.minidom
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

root = ET.Element("orders", {"week": "19"})
for oid, cust, total in ((1, "acme", "10.00"), (2, "globex", "19.99")):
    o = ET.SubElement(root, "order", id=str(oid))
    ET.SubElement(o, "customer").text = cust
    ET.SubElement(o, "total").text = total
ET.indent(root)
text = ET.tostring(root, encoding="unicode")
print(text)
parsed = ET.fromstring(text)
print("customers:", [c.text for c in parsed.iter("customer")])
print("xpath:", parsed.find("./order[@id='2']/total").text)
print("minidom:", xml.dom.minidom.parseString("<a><b>x</b></a>").documentElement.firstChild.tagName)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs).get("href"))


p = Links()
p.feed('<p>See <a href="/docs">docs</a> &amp; <a href="https://example.com/?a=1&amp;b=2">site</a></p>')
print("links:", p.links)
print("escape:", html.escape('<script>alert("x")</script>'), html.unescape("&eacute;&lt;&#x41;"))
