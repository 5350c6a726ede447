"""Text: re, textwrap, string templates, difflib and unicodedata."""
import difflib
import re
import string
import textwrap
import unicodedata

log = """2024-05-01 ERROR db timeout after 30s
2024-05-01 INFO request ok
2024-05-02 WARN disk 91% full
2024-05-02 ERROR db timeout after 31s"""
pat = re.compile(r"^(?P<day>\S+) (?P<level>ERROR|WARN) (?P<msg>.*)$", re.M)
for m in pat.finditer(log):
    print(m.group("day"), m.group("level"), m["msg"])
print("numbers:", re.findall(r"\d+(?=s|%)", log))
print("sub:", re.sub(r"(\d+)s", lambda m: f"{int(m[1]) * 1000}ms", "took 3s and 12s"))
print("split:", re.split(r"[,;]\s*", "a, b;c ,d"))
text = "The quick brown fox jumps over the lazy dog. " * 3
print(textwrap.fill(text, width=40, initial_indent="> ", subsequent_indent="> "))
print(textwrap.shorten(text, width=30, placeholder=" ..."))
print(textwrap.dedent("    indented\n      more\n"), end="")
print(string.Template("$who owes $$${amount}").substitute(who="acme", amount="12.50"))
print("capwords:", string.capwords("hello   wide world"))
print("{:>8}|{:<8}|{:^8}|{:08.3f}".format("r", "l", "c", 3.14159))
diff = difflib.unified_diff(["a", "b", "c"], ["a", "B", "c", "d"], "old", "new", lineterm="")
print("\n".join(diff))
print("close matches:", difflib.get_close_matches("appel", ["ape", "apple", "peach", "puppy"]))
for ch in "é€😀":
    print(hex(ord(ch)), unicodedata.name(ch), unicodedata.category(ch))
print("NFC == NFD composed:", unicodedata.normalize("NFC", "e\u0301") == "é")
