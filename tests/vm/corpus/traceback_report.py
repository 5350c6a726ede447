"""Errors reported with tracebacks that quote the function's own source (linecache)."""
import linecache
import traceback
import warnings


def parse_amount(text):
    return int(text)


def process(values):
    out = []
    for v in values:
        try:
            out.append(parse_amount(v))
        except ValueError:
            tb = traceback.format_exc()
            out.append(None)
            print("traceback quotes source:", "return int(text)" in tb)
            print("last line:", tb.strip().splitlines()[-1])
    return out


print("result:", process(["1", "x", "3"]))
frames = traceback.extract_stack()
print("stack has source lines:", all(f.line is not None for f in frames))
print("linecache line 1:", linecache.getline(__file__, 1).strip())
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    warnings.warn("careful", UserWarning)
print("warning captured:", w[0].category.__name__, str(w[0].message))
try:
    {}["missing"]
except KeyError as e:
    print("exception chain:", "".join(traceback.format_exception_only(type(e), e)).strip())
