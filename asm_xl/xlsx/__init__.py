"""Excel files (OOXML packages) with no ASM knowledge: safety checks, reading parts, cells and
shared strings, writing cached values, rewriting the zip, atomic replace."""
