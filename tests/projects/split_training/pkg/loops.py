from . import steps
from .steps import inner


def outer(loader, opt):
    for _ in loader:
        inner(optimizer=opt)


def via_module(loader, opt):
    for _ in loader:
        steps.inner(opt)


def unknown(loader, opt):
    for _ in loader:
        missing_helper(opt)
