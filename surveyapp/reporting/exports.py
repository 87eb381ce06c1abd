"""Export formats: a registry, so adding a format is adding one entry.

Each format turns an export plan into a stream of bytes (CSV formats are
generated row by row). The command line and the web download both use this.
"""

from __future__ import annotations

from .codebook_html import CODEBOOK_HTML
from .csv_formats import CSV_FORMATS
from .datapackage import DATAPACKAGE
from .export_format import ExportFormat, ExportOptions, csv_stream
from .spss import SPSS

__all__ = ["FORMATS", "ExportFormat", "ExportOptions", "csv_stream"]

FORMATS: dict[str, ExportFormat] = {f.name: f for f in (*CSV_FORMATS, DATAPACKAGE, SPSS, CODEBOOK_HTML)}
