"""A byte-level test that decides, before any parsing, whether a file may hold a torch scheduler.

Every rule but LR100 is about a torch scheduler, resolved through its qualified name or built by
a library helper. Every spelling of a torch one (`torch.optim.lr_scheduler.StepLR`, `from
torch.optim import lr_scheduler`, `from torch.optim.lr_scheduler import StepLR as S`,
`optim.lr_scheduler.X`) contains the text `lr_scheduler`, and every helper lrlint knows builds one
(transformers' and diffusers' `get_scheduler`, `get_linear_schedule_with_warmup` and its
siblings) contains one of the other markers. A file with a marker is analysed; so is every file
such a file calls into, and the files those call into (the project stage decides which, see
lrlint/import_scan.py), so that a helper receiving a scheduler as a parameter is analysed too.
A file neither holds nor is reached from one cannot hold a finding, and is not parsed.
"""

from __future__ import annotations

MARKERS = (b"lr_scheduler", b"get_scheduler", b"schedule_with_warmup", b"get_constant_schedule")


def may_have_findings(source: bytes) -> bool:
    return any(marker in source for marker in MARKERS)
