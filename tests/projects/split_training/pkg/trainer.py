from .base import BaseTrainer
from .loops import outer


class Trainer(BaseTrainer):
    def fit(self, loader):
        for batch in loader:
            self.train_step(batch)

    def train_step(self, batch):
        self.model(batch).sum().backward()
        self._update()

    def with_helper(self, loader):
        outer(loader, opt=self.optimizer)
