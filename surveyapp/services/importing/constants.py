"""What a judged cell holds, and the importer's limits."""

from __future__ import annotations

import re

from ...instruments import NOT_SHOWN

#: problems listed in full; the report still counts every one
MAX_PROBLEMS = 1000
#: more rows than this with ids already in the database are reported in one line, not one each
SUMMARISED_FROM = 5
#: responses per insert statement
CHUNK = 5000
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
NOT_SHOWN_TEXT = str(NOT_SHOWN)

# What a cell holds once judged.
EMPTY = 0  # nothing to store
VALUE = 1  # a stored value
SKIPPED = 2  # "prefer not to answer"
MARKED = 3  # -8 "not shown" on an item asked of this audience: right only where show_if hides the item
BAD = 4
