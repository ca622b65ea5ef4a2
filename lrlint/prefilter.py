"""A byte-level test that decides, before any parsing, whether a file can hold a finding.

Every rule needs a torch scheduler resolved through its qualified name, and every spelling of
one (`torch.optim.lr_scheduler.StepLR`, `from torch.optim import lr_scheduler`,
`from torch.optim.lr_scheduler import StepLR as S`, `optim.lr_scheduler.X`) contains the text
`lr_scheduler`. A file without it cannot produce a finding, so it is never parsed with libcst,
which costs about 12x CPython's own parser.
"""

from __future__ import annotations

MARKER = b"lr_scheduler"


def may_have_findings(source: bytes) -> bool:
    return MARKER in source
