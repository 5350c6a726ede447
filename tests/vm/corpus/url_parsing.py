"""urllib.parse: split, join, quote and query strings, with no network."""
from urllib.parse import (parse_qs, parse_qsl, quote, quote_plus, unquote, urldefrag, urlencode,
                          urljoin, urlsplit, urlunsplit)
import ipaddress

u = urlsplit("https://user:pw@example.com:8443/a/b%20c/?q=1&q=2&x=%C3%A9#frag")
print(u.scheme, u.hostname, u.port, u.username, u.path, u.fragment)
print("query:", parse_qs(u.query))
print("qsl:", parse_qsl("a=1&b=&c=x+y", keep_blank_values=True))
print("unsplit:", urlunsplit(u._replace(query=urlencode({"page": 2, "sort": "name desc"}), fragment="")))
print("join:", urljoin("https://example.com/docs/guide/", "../api/index.html"))
print("quote:", quote("a b/c?d=é"), quote_plus("a b&c"), unquote("%E2%82%AC"))
print("defrag:", urldefrag("http://x/y#z"))
print("encode list:", urlencode({"id": [1, 2, 3]}, doseq=True))
print("ip:", ipaddress.ip_address("192.0.2.7") in ipaddress.ip_network("192.0.2.0/24"),
      ipaddress.ip_interface("2001:db8::1/64").network)
