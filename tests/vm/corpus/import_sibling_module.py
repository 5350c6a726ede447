"""Import a module and a package that ship next to the function (bytecode caching)."""
import importlib
import sys

import pricing
from textkit import slugify

print("gross eu:", pricing.gross("10.00", "eu"))
print("gross us:", pricing.gross("10.00", "us"))
print("gross apac:", pricing.gross("19.99", "apac"))
print("slug:", slugify("Crème Brûlée: the Recipe!"))
print("module from source dir:", pricing.__file__.endswith("/pricing.py"))
print("reload:", importlib.reload(pricing).gross("1", "eu"))
print("cached in sys.modules:", "textkit.slug" in sys.modules)
