import sys
from pathlib import Path

# Test helper modules (e.g. tests/excel/vba_wrappers.py) are imported by plain name.
for sub in ("excel", "workbooks", "core"):
    p = str(Path(__file__).parent / sub)
    if p not in sys.path:
        sys.path.insert(0, p)
