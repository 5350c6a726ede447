# A helper package of the corpus (imported by import_sibling_module.py).
from .slug import slugify

__all__ = ["slugify"]
