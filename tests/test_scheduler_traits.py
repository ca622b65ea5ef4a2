"""Every trait column of rules/schedulers.toml holds in the installed torch: each class is built
and stepped for real (CPU), and what the table says it does is what it does."""

from __future__ import annotations

import inspect
import math
import warnings
from typing import Any

import pytest

from lrlint.catalogue import schedulers
from lrlint.signatures import NO_DEFAULT, SchedulerSignature, ValueCheck
from lrlint.verify import horizon

ORDER_WARNING = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"
EPOCH_WARNING = "The epoch parameter in `scheduler.step()` was not necessary"
GET_LR_WARNING = "To get the last learning rate computed by the scheduler"
NAMES = sorted(schedulers())


@pytest.fixture(scope="module")
def torch() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy missing: irrelevant here
        import torch

    return torch


def installed(name: str, torch: Any) -> SchedulerSignature:
    signature = schedulers()[name]
    if not hasattr(torch.optim.lr_scheduler, name):
        pytest.skip(f"{name} is not in torch {torch.__version__}")
    return signature


def optimizer(torch: Any, momentum: float = 0.9) -> Any:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0, momentum=momentum)


def arguments(torch: Any, signature: SchedulerSignature, opt: Any, **overrides: Any) -> dict[str, Any]:
    """The row's `example`, and what no literal can say: a lambda, the inner schedulers."""
    kwargs: dict[str, Any] = dict(signature.example)
    names = signature.param_names()
    if "lr_lambda" in names:
        kwargs["lr_lambda"] = lambda epoch: 0.9**epoch
    if "schedulers" in names:
        kwargs["schedulers"] = [torch.optim.lr_scheduler.StepLR(opt, 2), torch.optim.lr_scheduler.StepLR(opt, 3)]
    if "optimizer" in names and signature.params[0].name != "optimizer":
        kwargs["optimizer"] = opt  # ChainedScheduler takes it second, by keyword
    kwargs.update(overrides)
    return kwargs


def build(torch: Any, signature: SchedulerSignature, opt: Any | None = None, **overrides: Any) -> tuple[Any, Any]:
    opt = opt if opt is not None else optimizer(torch)
    cls = getattr(torch.optim.lr_scheduler, signature.name)
    kwargs = arguments(torch, signature, opt, **overrides)
    if signature.params[0].name == "optimizer":
        return cls(opt, **kwargs), opt
    return cls(**kwargs), opt


def step(signature: SchedulerSignature, scheduler: Any) -> None:
    if signature.step_argument == "metric":
        scheduler.step(1.0)
    else:
        scheduler.step()


def caught(action: Any) -> tuple[list[str], BaseException | None]:
    """The warnings an action raises, and its exception."""
    error = None
    with warnings.catch_warnings(record=True) as found:
        warnings.simplefilter("always")
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - what torch raised is the observation
            error = exc
    return [str(w.message) for w in found], error


@pytest.mark.parametrize("name", NAMES)
def test_the_defaults_are_torchs(name: str, torch: Any) -> None:
    """Every parameter the installed release has: the table's default is torch's, and only the
    required ones have none."""
    signature = installed(name, torch)
    parameters = inspect.signature(getattr(torch.optim.lr_scheduler, name)).parameters
    release = tuple(int(part) for part in torch.__version__.split("+")[0].split(".")[:2])
    for param in signature.params_for(release):  # type: ignore[arg-type]
        default = parameters[param.name].default
        if default is inspect.Parameter.empty:
            assert param.required and param.default is NO_DEFAULT, param.name
        else:
            assert param.default == default and type(param.default) is type(default), (param.name, param.default, default)


@pytest.mark.parametrize("name", NAMES)
def test_the_example_builds(name: str, torch: Any) -> None:
    signature = installed(name, torch)
    required = {p.name for p in signature.params if p.required} - {"optimizer", "lr_lambda", "schedulers"}
    assert required <= set(signature.example), f"{name}: `example` must give {sorted(required - set(signature.example))}"
    build(torch, signature)


@pytest.mark.parametrize("name", NAMES)
def test_step_argument(name: str, torch: Any) -> None:
    signature = installed(name, torch)
    scheduler, _ = build(torch, signature)
    kind = signature.step_argument
    if kind == "metric":
        _, error = caught(lambda: scheduler.step())
        assert isinstance(error, TypeError) and "'metrics'" in str(error)
        assert caught(lambda: scheduler.step(1.0))[1] is None
    elif kind == "none":
        assert isinstance(caught(lambda: scheduler.step(1))[1], TypeError)
    else:
        epoch = 1.5 if kind == "fractional-epoch" else 1
        said, error = caught(lambda: scheduler.step(epoch))
        assert error is None
        assert any(w.startswith(EPOCH_WARNING) for w in said) == (kind == "epoch"), said


@pytest.mark.parametrize("name", NAMES)
def test_order_warning_and_sensitivity(name: str, torch: Any) -> None:
    """Stepped before its optimizer: torch warns exactly for the classes whose `order_warning` is
    on; an order-insensitive one (it follows its metric) skips nothing, stepped first."""
    signature = installed(name, torch)
    scheduler, opt = build(torch, signature)
    start = opt.param_groups[0]["lr"]
    def scheduler_first() -> None:
        step(signature, scheduler)
        opt.step()

    said, error = caught(scheduler_first)
    assert error is None
    assert any(ORDER_WARNING in w for w in said) == signature.order_warning, said
    if signature.order_insensitive:
        assert signature.step_argument == "metric"
        assert opt.param_groups[0]["lr"] == start  # the first epoch trains with the initial rate


@pytest.mark.parametrize("name", NAMES)
def test_get_lr(name: str, torch: Any) -> None:
    signature = installed(name, torch)
    scheduler, _ = build(torch, signature)
    said, error = caught(lambda: scheduler.get_lr())
    if signature.get_lr:
        assert error is None and any(w.startswith(GET_LR_WARNING) for w in said), said
    else:
        assert error is not None and not any(w.startswith(GET_LR_WARNING) for w in said)


@pytest.mark.parametrize("name", [n for n in NAMES if schedulers()[n].decay is not None])
def test_decay(name: str, torch: Any) -> None:
    """The rate is multiplied by gamma exactly at the steps `decay` names, and nowhere else."""
    signature = installed(name, torch)
    decay = signature.decay
    assert decay is not None and "gamma" in signature.param_names()
    scheduler, opt = build(torch, signature)
    gamma = signature.example.get("gamma", signature.default("gamma"))
    rates = [opt.param_groups[0]["lr"]]
    for _ in range(6):
        opt.step()
        step(signature, scheduler)
        rates.append(opt.param_groups[0]["lr"])
    due = decay.due(signature.example, 6)
    assert due, f"{name}: the example must decay within 6 steps"
    for epoch in range(1, 7):
        factor = gamma if epoch in due else 1.0
        assert math.isclose(rates[epoch], rates[epoch - 1] * factor), (epoch, rates)


def _sample(check: ValueCheck) -> tuple[Any, Any]:
    """(a value torch rejects, one it accepts) for a check."""
    return {
        "!= 0": (0, 3),
        "(0, 1]": (0, 1),
        "[0, 1]": (2, 0),
        "int > 0": (0, 3),
        "int >= 1": (1.5, 2),
    }[check.valid]


CHECKED = [(n, p.name) for n in NAMES for p in schedulers()[n].params if p.check is not None]


@pytest.mark.parametrize(("name", "param"), CHECKED)
def test_value_checks(name: str, param: str, torch: Any) -> None:
    """A value the check rejects makes torch raise its error, where the check says (when built,
    or at the first step); a value it accepts does not."""
    signature = installed(name, torch)
    check = signature.param(param).check  # type: ignore[union-attr]
    assert check is not None
    bad, good = _sample(check)
    assert check.holds(bad) is False and check.holds(good) is True
    overrides: dict[str, Any] = {}
    if signature.length is not None:
        for alternative in signature.length.alternatives:  # size it by the alternative holding `param`
            for other in alternative:
                overrides[other] = None
        for other in next(a for a in signature.length.alternatives if param in a):
            overrides[other] = 2

    def attempt(value: Any) -> BaseException | None:
        def run() -> None:
            scheduler, opt = build(torch, signature, **{**overrides, param: value})
            opt.step()
            step(signature, scheduler)

        return caught(run)[1]

    error = attempt(bad)
    assert error is not None and f"{type(error).__name__}: {error}".startswith(check.torch_text(bad)), error
    assert attempt(good) is None
    if check.at_step:  # built without error: the first step raises
        build(torch, signature, **{**overrides, param: bad})


@pytest.mark.parametrize("name", [n for n in NAMES if schedulers()[n].length is not None])
def test_length(name: str, torch: Any) -> None:
    signature = installed(name, torch)
    length = signature.length
    assert length is not None
    error = caught(lambda: build(torch, signature, **{n: None for a in length.alternatives for n in a}))[1]
    assert error is not None and f"{type(error).__name__}: {error}".startswith(length.raises)
    assert length.anchor in signature.param_names()


@pytest.mark.parametrize("name", [n for n in NAMES if schedulers()[n].horizon is not None])
def test_horizon_reads_parameters(name: str) -> None:
    signature = schedulers()[name]
    assert signature.horizon is not None
    assert horizon.names(signature.horizon) <= set(signature.param_names())
    bound = signature.bind([], {k: v for k, v in signature.example.items()})
    if bound is not None:
        reach = horizon.evaluate(signature.horizon, bound)
        assert reach is not None and reach >= 0


@pytest.mark.parametrize("name", [n for n in NAMES if schedulers()[n].cycles_momentum])
def test_cycling_momentum_turns_it_on(name: str, torch: Any) -> None:
    """Built on an SGD without momentum, the class sets one (LR018's claim), by default between
    its `base_momentum` and `max_momentum` defaults."""
    signature = installed(name, torch)
    _, opt = build(torch, signature, opt=optimizer(torch, momentum=0.0))
    momentum = opt.param_groups[0]["momentum"]
    assert momentum != 0
    assert signature.default("base_momentum") <= momentum <= signature.default("max_momentum")
