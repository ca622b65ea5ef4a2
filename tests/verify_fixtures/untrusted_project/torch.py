"""A `torch` that shadows the real one for code run from this directory: the --verify worker must
never import it (it runs from lrlint's own install root, not the user's working directory)."""

import os
from pathlib import Path

_marker = os.environ.get("LRLINT_VERIFY_MARKER")
if _marker:
    Path(_marker).write_text("the project's torch.py was imported\n")

raise ImportError("untrusted torch.py imported")
