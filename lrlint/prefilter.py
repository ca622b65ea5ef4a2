"""A byte-level test that decides, before any parsing, whether a file is worth analysing.

Every rule but LR100 is about a torch scheduler resolved through its qualified name, and every
spelling of one (`torch.optim.lr_scheduler.StepLR`, `from torch.optim import lr_scheduler`,
`from torch.optim.lr_scheduler import StepLR as S`, `optim.lr_scheduler.X`) contains the text
`lr_scheduler`. A file without it is not parsed: it cannot hold such a finding, and parsing is
most of what a lint run costs. The link stage still analyses one that a training loop calls into;
what is not seen in the others is a syntax error and an unused `# noqa` (LR100).
"""

from __future__ import annotations

MARKER = b"lr_scheduler"


def may_have_findings(source: bytes) -> bool:
    return MARKER in source
