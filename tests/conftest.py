import sys
from pathlib import Path

# Test helper modules (tests/helpers/: macro_package, vba_wrappers) are imported by plain name.
for sub in ("helpers",):
    p = str(Path(__file__).parent / sub)
    if p not in sys.path:
        sys.path.insert(0, p)
