"""Errors raised by the workbook (zip/XML and headless recalculation) layer."""


class WorkbookError(ValueError):
    """A file cannot be handled as an Excel workbook.

    Raised for files that are missing, not zip packages, password-protected
    (OLE compound files), or larger than the configured limits.  The file is
    never modified when this error is raised.
    """
