"""LR015 scheduler-missing-from-checkpoint: a checkpoint with the optimizer's state, not the scheduler's."""

from __future__ import annotations

from collections.abc import Iterator

from lrlint.facts.model import FileFacts, SaveFact, SchedulerFact
from lrlint.facts.needs import Needs
from lrlint.rules.base import Finding, Rule, RuleContext
from lrlint.rules.examples import invalid

_HEADER = (
    "import torch\nfrom torch.optim.lr_scheduler import StepLR\n"
    "def train(model, loader):\n"
    "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "    scheduler = StepLR(optimizer, step_size=30)\n"
    "    for epoch in range(90):\n"
    "        for b in loader:\n            optimizer.step()\n"
    "        scheduler.step()\n"
)
# Uses of the scheduler's variable after which its state may be saved or restored elsewhere.
_SAVED_ELSEWHERE = frozenset({"other", "call:state_dict", "call:load_state_dict"})


class SchedulerMissingFromCheckpoint(Rule):
    code = "LR015"
    needs = Needs(uses_when_saving=True)
    VALID = (
        _HEADER + "        torch.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict(), "
        "'scheduler': scheduler.state_dict()}, 'ckpt.pt')\n",
        _HEADER + "        torch.save({'optimizer': optimizer.state_dict(), 'epoch': epoch}, 'ckpt.pt')\n"
        "        torch.save(scheduler.state_dict(), 'sched.pt')\n",
        _HEADER + "        state = {'optimizer': optimizer.state_dict()}\n        state['sched'] = scheduler.state_dict()\n"
        "        torch.save(state, 'ckpt.pt')\n",
        _HEADER + "        torch.save({'optimizer': optimizer.state_dict(), **extra}, 'ckpt.pt')\n",
        _HEADER + "        torch.save({'model': model.state_dict()}, 'weights.pt')\n",
        _HEADER + "        save_checkpoint(model, optimizer, scheduler)\n"
        "        torch.save({'optimizer': optimizer.state_dict()}, 'ckpt.pt')\n",
        _HEADER + "        torch.save({'optimizer': optimizer.state_dict(), 'extra': trainer_state()}, 'ckpt.pt')\n",
        # Fast-forwarded on resume: the schedule is rebuilt from the epoch saved.
        _HEADER + "        torch.save({'optimizer': optimizer.state_dict(), 'epoch': epoch}, 'ckpt.pt')\n"
        "    for _ in range(start):\n        scheduler.step()\n",
    )
    INVALID = (
        invalid(
            _HEADER + "        torch.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict(), "
            "'epoch': epoch + 1}, 'ckpt.pt')\n",
            "this checkpoint holds `optimizer.state_dict()` but not `scheduler.state_dict()`: resuming from it restores the optimizer and restarts the StepLR schedule from its first value",
        ),
        invalid(
            _HEADER + "        ckpt = {'optimizer': optimizer.state_dict()}\n        torch.save(ckpt, 'ckpt.pt')\n",
            "this checkpoint holds `optimizer.state_dict()` but not `scheduler.state_dict()`: resuming from it restores the optimizer and restarts the StepLR schedule from its first value",
        ),
    )

    def check(self, facts: FileFacts, context: RuleContext) -> Iterator[Finding]:
        for save in facts.saves:
            for fact in facts.schedulers:
                optimizer = self._missing(save, fact, facts)
                if optimizer is not None:
                    yield Finding(
                        save.span,
                        f"this checkpoint holds `{optimizer}.state_dict()` but not `{fact.target}.state_dict()`: "
                        f"resuming from it restores the optimizer and restarts the {fact.cls} schedule from "
                        "its first value",
                    )
                    break

    def _missing(self, save: SaveFact, fact: SchedulerFact, facts: FileFacts) -> str | None:
        """The optimizer whose state `save` holds without that of `fact`, its scheduler; else None."""
        target = fact.target
        # Exactly one step: a second one (a fast-forward loop on resume) rebuilds the schedule.
        if target is None or fact.optimizer_key is None or fact.uses.count("call:step") != 1 or len(fact.steps) != 1:
            return None
        if not fact.factory_certain:
            return None  # `get_scheduler(name, ...)`: which schedule, if any, is not known
        if _SAVED_ELSEWHERE & set(fact.uses) or "last_epoch" in fact.bound or fact.star_kwargs:
            return None
        if any(facts.steps[s].has_args for s in fact.steps):
            return None  # `step(epoch)`: the schedule is recomputed from the epoch
        if not self._in_scope(save, fact, facts):
            return None
        entries = save.entries
        if any(e.opaque or "sched" in e.key.lower() for e in entries):
            return None
        mentioned = {name for e in entries for name in e.names}
        if any(n == target or n.startswith(target + ".") or "sched" in n.lower() for n in mentioned):
            return None
        for entry in entries:
            if entry.state_dict_of == fact.optimizer_key and (
                entry.state_dict_binding is None
                or fact.optimizer_binding is None
                or entry.state_dict_binding == fact.optimizer_binding
            ):
                return fact.optimizer_key
        return None

    def _in_scope(self, save: SaveFact, fact: SchedulerFact, facts: FileFacts) -> bool:
        """Built in the function that saves, or held on `self` by a method of the saving class."""
        saved_in = facts.function_frame(save.frames)
        built_in = facts.function_frame(fact.frames)
        if fact.target is not None and not fact.target.startswith("self."):
            return saved_in == built_in
        saver, builder = facts.function_at(saved_in), facts.function_at(built_in)
        return saver is not None and builder is not None and saver.class_name is not None and saver.class_name == builder.class_name


RULE = SchedulerMissingFromCheckpoint()
