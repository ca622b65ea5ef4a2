"""Entry script: the epoch loop lives here, the optimizer is stepped in engine.py."""
import torch
from torch.optim.lr_scheduler import StepLR

from engine import train_one_epoch
from pkg.trainer import Trainer

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scheduler = StepLR(optimizer, step_size=30)


def main(loader):
    for epoch in range(90):
        train_one_epoch(model, loader, optimizer)
        scheduler.step()


def fit_with_trainer(loader):
    Trainer(model, optimizer).fit(loader)
