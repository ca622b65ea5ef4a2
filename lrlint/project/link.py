"""The link stage: every analysed file's facts, joined into one project.

Call sites are resolved to the functions of the linted tree (`calls`), then what each function
steps is carried up through the calls (`steps`). Files are named as modules by `modules`.
"""

from __future__ import annotations

from collections.abc import Iterable

from lrlint.project.calls import resolve_calls
from lrlint.project.model import LinkedFile, Project
from lrlint.project.steps import step_summaries


def link(files: Iterable[LinkedFile]) -> Project:
    project = Project(tuple(files))
    project.calls = resolve_calls(project)
    project.steps = step_summaries(project)
    return project
