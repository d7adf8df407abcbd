"""python -m asm_xl.cli: the asm-xl command line."""

import sys

from asm_xl.cli import main

sys.exit(main())
