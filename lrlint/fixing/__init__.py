"""Applying fixes: `--fix`, `--unsafe-fixes`, `--diff`, `--fix-only`, `--add-noqa`.

Data flows one way: rules compute `Fix`es (text edits with 1-based positions) while a file's tree
is alive; this package only selects, applies and writes them:

- `edits`: positions to offsets, choosing non-overlapping fixes, applying them to one text;
- `documents`: a file's bytes as something edits apply to (Python source keeping its encoding,
  BOM and newlines; a notebook whose changed cell sources are spliced into its JSON);
- `engine`: rounds of apply-then-relint over a finished run until nothing applicable is left;
- `write`: atomic writes, only over the bytes that were read;
- `noqa`: `--add-noqa`'s edits; `diff`: `--diff`'s unified diff;
- `status`: what reporters show (`[*]`, the fixable counts); `command`: the command line.
"""
