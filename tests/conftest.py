import os
import sys
from pathlib import Path

# Test helper modules (tests/helpers/: macro_package, vba_wrappers) are imported by plain name.
for sub in ("helpers",):
    p = str(Path(__file__).parent / sub)
    if p not in sys.path:
        sys.path.insert(0, p)

# The national draws are not kept between test runs (each test process draws, as a first run does);
# tests/calc/test_draws_cache.py turns the store on in a temporary directory.
os.environ["ASM_XL_CACHE"] = "off"
