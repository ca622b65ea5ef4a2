"""An untrusted training script for the --verify security test. It must never be executed.

If anything imports or runs this file, its module-level code records that in a marker file (only
when LRLINT_VERIFY_MARKER names one, so linting or opening it elsewhere leaves nothing behind).
"""

import os
from pathlib import Path

_marker = os.environ.get("LRLINT_VERIFY_MARKER")
if _marker:
    Path(_marker).write_text("train.py was executed\n")

import torch
from torch.optim.lr_scheduler import StepLR

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = StepLR(optimizer, milestones=[30, 80], gamma=0.1)

for epoch in range(100):
    optimizer.step()
    scheduler.step()
