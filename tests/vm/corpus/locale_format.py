"""Locale set up as everyday code does it: setlocale, getlocale, number formatting."""
import locale

print("initial:", locale.setlocale(locale.LC_ALL, ""))
print("C.UTF-8:", locale.setlocale(locale.LC_ALL, "C.UTF-8"))
print("getlocale:", locale.getlocale())
print("encoding:", locale.getpreferredencoding(False))
print("decimal point:", repr(locale.localeconv()["decimal_point"]))
print("formatted:", locale.format_string("%.2f", 1234567.891, grouping=True))
print("currency-free str:", locale.str(3.5))
print("normalize:", locale.normalize("en_US.utf8"), locale.normalize("fr"))
print("strcoll:", locale.strcoll("a", "b") < 0)
print("upper:", "straße".upper(), "casefold:", "Straße".casefold())
