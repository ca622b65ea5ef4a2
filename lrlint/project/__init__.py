"""The project stage: every analysed file's facts joined into one project, and the questions
project rules ask of it.

- `model`: the linked project as data (files, resolved calls, what each function steps);
- `modules`: module names from paths, and the modules a file's calls may lead into;
- `calls`: call sites resolved to the functions of the linted tree;
- `steps`: what each function steps through the functions it calls, and the chain down to a step;
- `link`: builds the project (`link(files)`);
- `resolve`: what a name holds across calls (parameters, `obj.attr` stores);
- `receivers`: which torch schedulers the receiver of a call holds;
- `loop_order`: whether a scheduler step runs before its optimizer's step, across calls.

It reads facts (`lrlint.facts`) and never builds them; rules read it.
"""
