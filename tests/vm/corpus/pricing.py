# A helper module of the corpus, imported by import_sibling_module.py from the function's own
# source directory: the import compiles it, and Python then tries to cache the bytecode.
from decimal import Decimal, ROUND_HALF_UP

VAT = {"eu": Decimal("0.20"), "us": Decimal("0.00"), "apac": Decimal("0.10")}


def gross(net, region):
    total = Decimal(net) * (1 + VAT[region])
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
