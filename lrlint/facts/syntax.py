"""What the facts layer reads from libcst nodes, in Python's own terms.

libcst keeps every token: `True` is a `Name`, `a.b`'s `b` is a `Name`, `f(x=1)` has an `Arg`
with a keyword, `a and b and c` is two nested `BooleanOperation`s, and a body is a list of lines
holding statements. The facts are stated in the terms of the language (a name, a constant, a
keyword argument, a statement), so this module answers those questions once: which `Name` is a
variable, what a literal's value is, which arguments are positional, the statements of a block,
and the sub-expressions of an expression in evaluation-independent, Python-grammar order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeGuard

import libcst as cst

from lrlint.facts.strings import fstring_text, literal_value

# Names libcst parses as `Name` that are constants to Python.
NAME_CONSTANTS: dict[str, Any] = {"True": True, "False": False, "None": None}
NOT_A_CONSTANT: Any = object()  # returned by `constant_value` for anything else

COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
LOOPS = (cst.For, cst.While)
STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


def is_name(node: object) -> TypeGuard[cst.Name]:
    """A variable (not `True`, `False` or `None`, which libcst also calls names)."""
    return type(node) is cst.Name and node.value not in NAME_CONSTANTS


def is_none(node: object) -> bool:
    return type(node) is cst.Name and node.value == "None"


def dotted_name(node: object) -> str | None:
    """`a`, `a.b.c` for names and attribute chains; None for anything else."""
    parts: list[str] = []
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if not is_name(node):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


# ------------------------------------------------------------------------------- call arguments
def is_keyword(arg: cst.Arg) -> bool:
    """`name=value` or `**mapping` (Python's keyword arguments)."""
    return arg.keyword is not None or arg.star == "**"


def is_starred(arg: cst.Arg) -> bool:
    """`*iterable` among the positional arguments."""
    return arg.star == "*"


def keyword_name(arg: cst.Arg) -> str | None:
    """The name of a keyword argument; None for `**mapping`."""
    return arg.keyword.value if arg.keyword is not None else None


def positional_args(call: cst.Call) -> list[cst.Arg]:
    """The positional arguments in order, `*iterable` included."""
    return [a for a in call.args if a.keyword is None and a.star != "**"]


def keyword_args(call: cst.Call) -> list[cst.Arg]:
    """The keyword arguments in order, `**mapping` included."""
    return [a for a in call.args if a.keyword is not None or a.star == "**"]


def keyword_value(call: cst.Call, name: str) -> cst.BaseExpression | None:
    return next((a.value for a in call.args if a.keyword is not None and a.keyword.value == name), None)


# ------------------------------------------------------------------------------- constants
def is_constant(node: object) -> bool:
    """A literal Python folds into one constant: a number, a string (implicit concatenation
    included, f-strings excluded), `True`, `False`, `None`, `...`."""
    kind = type(node)
    if kind in (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis):
        return True
    if kind is cst.Name:
        return node.value in NAME_CONSTANTS  # type: ignore[attr-defined]
    if kind is cst.ConcatenatedString:
        return all(type(part) is cst.SimpleString for part in string_parts(node))  # type: ignore[arg-type]
    return False


def constant_value(node: object) -> Any:
    """The value of a constant (see `is_constant`); NOT_A_CONSTANT for anything else, or for a
    string whose escapes cannot be decoded."""
    kind = type(node)
    try:
        if kind is cst.Integer:
            return int(node.value, 0)  # type: ignore[attr-defined]
        if kind is cst.Float:
            return float(node.value)  # type: ignore[attr-defined]
        if kind is cst.Imaginary:
            return complex(node.value)  # type: ignore[attr-defined]
    except ValueError:
        return NOT_A_CONSTANT
    if kind is cst.SimpleString:
        value = literal_value(node.value)  # type: ignore[attr-defined]
        return NOT_A_CONSTANT if value is None else value
    if kind is cst.Name:
        return NAME_CONSTANTS.get(node.value, NOT_A_CONSTANT)  # type: ignore[attr-defined]
    if kind is cst.Ellipsis:
        return ...
    if kind is cst.ConcatenatedString:
        values = [constant_value(part) for part in string_parts(node)]  # type: ignore[arg-type]
        if any(v is NOT_A_CONSTANT for v in values) or len({type(v) for v in values}) != 1:
            return NOT_A_CONSTANT
        return values[0][:0].join(values)
    return NOT_A_CONSTANT


def string_parts(node: cst.ConcatenatedString) -> list[cst.BaseString]:
    """The strings of an implicit concatenation, in order (libcst nests them pairwise)."""
    parts: list[cst.BaseString] = []
    stack: list[cst.BaseExpression] = [node]
    while stack:
        current = stack.pop()
        if type(current) is cst.ConcatenatedString:
            stack.append(current.right)
            stack.append(current.left)
        else:
            parts.append(current)  # type: ignore[arg-type]
    return parts


def string_constants(node: cst.BaseExpression) -> Iterator[Any]:
    """Every constant Python's tree of a string literal holds: the value of a plain string, and
    for f-strings each run of text between expressions (format specs included)."""
    if is_constant(node):
        value = constant_value(node)
        if value is not NOT_A_CONSTANT:
            yield value
        return
    parts = string_parts(node) if type(node) is cst.ConcatenatedString else [node]
    run: list[str] = []
    for part in parts:
        if type(part) is cst.SimpleString:
            value = literal_value(part.value)
            if isinstance(value, str):
                run.append(value)
        elif type(part) is cst.FormattedString:
            prefix = part.start.lower().rstrip("'\"")
            for piece in part.parts:
                if type(piece) is cst.FormattedStringText:
                    text = fstring_text(piece.value, prefix)
                    if text is not None:
                        run.append(text)
                else:
                    if run and "".join(run):
                        yield "".join(run)
                    run = []
                    yield from _format_spec_constants(piece, prefix)  # type: ignore[arg-type]
    if run and "".join(run):
        yield "".join(run)


def _format_spec_constants(piece: cst.FormattedStringExpression, prefix: str) -> Iterator[str]:
    spec = piece.format_spec
    if not spec:
        return
    run: list[str] = []
    for item in spec:
        if type(item) is cst.FormattedStringText:
            text = fstring_text(item.value, prefix)
            if text is not None:
                run.append(text)
        else:
            if "".join(run):
                yield "".join(run)
            run = []
            yield from _format_spec_constants(item, prefix)  # type: ignore[arg-type]
    if "".join(run):
        yield "".join(run)


# ------------------------------------------------------------------------------- statements
def body_of(node: Any) -> Sequence[cst.CSTNode]:
    """The statements of a suite (an indented block or `if x: a; b`), lines unpacked."""
    return statements(node.body.body)


def statements(lines: Sequence[cst.CSTNode]) -> list[cst.CSTNode]:
    """Lines of a block as statements: `a = 1; b = 2` is two."""
    found: list[cst.CSTNode] = []
    for line in lines:
        if type(line) is cst.SimpleStatementLine:
            found.extend(line.body)
        else:
            found.append(line)
    return found


def orelse_body(node: cst.If | cst.For | cst.While | cst.Try | cst.TryStar) -> Sequence[cst.CSTNode]:
    """The statements of an `else:` clause; empty when there is none (`elif` is an `If`)."""
    orelse = node.orelse
    if orelse is None:
        return ()
    if type(orelse) is cst.If:
        return (orelse,)
    return body_of(orelse)


def nested_statements(node: cst.CSTNode) -> Sequence[cst.CSTNode]:
    """The statements directly inside a compound statement: its bodies, `else`, `finally`,
    and those of its `except` clauses and `case`s; nothing for a simple statement."""
    kind = type(node)
    if kind in (cst.If, cst.For, cst.While):
        return [*body_of(node), *orelse_body(node)]  # type: ignore[arg-type]
    if kind in (cst.Try, cst.TryStar):
        found = [*body_of(node)]
        for handler in node.handlers:  # type: ignore[attr-defined]
            found.extend(body_of(handler))
        found.extend(orelse_body(node))  # type: ignore[arg-type]
        if node.finalbody is not None:  # type: ignore[attr-defined]
            found.extend(body_of(node.finalbody))  # type: ignore[attr-defined]
        return found
    if kind is cst.Match:
        return [statement for case in node.cases for statement in body_of(case)]  # type: ignore[attr-defined]
    if kind in (cst.With, cst.FunctionDef, cst.ClassDef):
        return body_of(node)
    return ()


# ------------------------------------------------------------------------------- expressions
def parameters(params: cst.Parameters) -> tuple[list[cst.Param], cst.Param | None, list[cst.Param], cst.Param | None]:
    """(positional parameters, `*args`, keyword-only parameters, `**kwargs`)."""
    star = params.star_arg if isinstance(params.star_arg, cst.Param) else None
    return [*params.posonly_params, *params.params], star, list(params.kwonly_params), params.star_kwarg


def defaults(params: cst.Parameters) -> list[cst.BaseExpression]:
    """Default values in Python's order: positional parameters', then keyword-only ones'."""
    return [
        p.default
        for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        if p.default is not None
    ]


def boolean_operands(node: cst.BooleanOperation) -> list[cst.BaseExpression]:
    """`a and b and c` as Python's one operation with three operands (a parenthesised operand
    with the same operator stays one operand, as it is in Python's tree)."""
    operands: list[cst.BaseExpression] = []
    kind = type(node.operator)
    current: cst.BaseExpression = node
    while type(current) is cst.BooleanOperation and type(current.operator) is kind and (current is node or not current.lpar):
        operands.append(current.right)
        current = current.left
    operands.append(current)
    operands.reverse()
    return operands


def comprehension_parts(node: cst.BaseComp) -> tuple[list[cst.CompFor], list[cst.BaseExpression]]:
    """(the `for` clauses in order, the result expressions: elt, or key and value)."""
    clauses: list[cst.CompFor] = []
    clause: cst.CompFor | None = node.for_in
    while clause is not None:
        clauses.append(clause)
        clause = clause.inner_for_in
    results = [node.key, node.value] if type(node) is cst.DictComp else [node.elt]  # type: ignore[attr-defined]
    return clauses, results


def expression_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The sub-expressions of an expression in the order Python's tree lists them (a call's
    keyword arguments after its positional ones, a dict's keys before its values, a
    conditional's test first). Lambdas and comprehensions are the caller's to open."""
    get = _CHILDREN.get(type(node))
    found: list[cst.CSTNode] = get(node) if get is not None else []
    return found


def _call_children(node: Any) -> list[cst.CSTNode]:
    return [node.func, *(a.value for a in node.args if a.keyword is None and a.star != "**"), *(a.value for a in node.args if a.keyword is not None or a.star == "**")]


def _dict_children(node: Any) -> list[cst.CSTNode]:
    keys = [e.key for e in node.elements if type(e) is cst.DictElement]
    return [*keys, *(e.value for e in node.elements)]


def _subscript_children(node: Any) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = [node.value]
    for element in node.slice:
        index = element.slice
        if type(index) is cst.Index:
            found.append(index.value)
        else:
            found.extend(p for p in (index.lower, index.upper, index.step) if p is not None)
    return found


def _fstring_children(node: Any) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    stack = [p for p in reversed(node.parts) if type(p) is cst.FormattedStringExpression]
    while stack:
        piece = stack.pop()
        found.append(piece.expression)
        if piece.format_spec:
            stack.extend(p for p in reversed(piece.format_spec) if type(p) is cst.FormattedStringExpression)
    return found


def _compare_children(node: Any) -> list[cst.CSTNode]:
    return [node.left, *(c.comparator for c in node.comparisons)]


def _elements(node: Any) -> list[cst.CSTNode]:
    return [e.value for e in node.elements]


def _yield_children(node: Any) -> list[cst.CSTNode]:
    value = node.value
    if value is None:
        return []
    return [value.item if type(value) is cst.From else value]


_CHILDREN: dict[type, Any] = {
    cst.Call: _call_children,
    cst.Attribute: lambda n: [n.value],
    cst.Subscript: _subscript_children,
    cst.BinaryOperation: lambda n: [n.left, n.right],
    cst.UnaryOperation: lambda n: [n.expression],
    cst.BooleanOperation: boolean_operands,
    cst.Comparison: _compare_children,
    cst.IfExp: lambda n: [n.test, n.body, n.orelse],
    cst.Await: lambda n: [n.expression],
    cst.Yield: _yield_children,
    cst.NamedExpr: lambda n: [n.target, n.value],
    cst.Tuple: _elements,
    cst.List: _elements,
    cst.Set: _elements,
    cst.Dict: _dict_children,
    cst.StarredElement: lambda n: [n.value],
    cst.FormattedString: _fstring_children,
    cst.ConcatenatedString: lambda n: [e for p in string_parts(n) if type(p) is cst.FormattedString for e in _fstring_children(p)],
}


# ------------------------------------------------------------------------------- any node
# Fields that can hold a node Python's tree has: expressions, statements, and what holds them.
# Names that are not variables (`a.b`'s `b`, a keyword argument's name, a definition's name, an
# import's names, a parameter's name) are in fields left out; so are tokens and whitespace.
_SEMANTIC_FIELDS = frozenset(
    {"annotation", "args", "asname", "bases", "body", "bound", "cases", "cause", "cls", "comparator",
     "comparisons", "decorator", "decorators", "default", "elements", "elt", "exc", "expression",
     "finalbody", "for_in", "format_spec", "func", "guard", "handlers", "ifs", "inner_for_in", "item",
     "items", "iter", "key", "keywords", "kwds", "kwonly_params", "left", "lower", "msg", "orelse",
     "params", "parts", "pattern", "patterns", "posonly_params", "returns", "right", "slice",
     "star_arg", "star_kwarg", "step", "subject", "target", "targets", "test", "type", "upper", "value"}
)  # fmt: skip
_NOT_SEMANTIC: dict[type, frozenset[str]] = {cst.MatchKeywordElement: frozenset({"key"})}
_FIELDS: dict[type, tuple[str, ...]] = {}
_NOT_NODES = (str, type(None), cst.MaybeSentinel)


def child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a node type that `children` reads, in declaration (source) order."""
    found = _FIELDS.get(kind)
    if found is None:
        import dataclasses

        left_out = _NOT_SEMANTIC.get(kind, frozenset())
        found = _FIELDS[kind] = tuple(
            f.name for f in dataclasses.fields(kind) if f.name in _SEMANTIC_FIELDS and f.name not in left_out
        )
    return found


def children(node: cst.CSTNode) -> Iterator[tuple[str, cst.CSTNode]]:
    """(field, child) for the children of any node that Python's tree would have (see
    `child_fields`); a `with` item's `as` target is the `AsName`'s name. A string literal is one
    constant (see `string_constants`): only the expressions of its f-strings are children."""
    kind = type(node)
    if kind is cst.ConcatenatedString or kind is cst.FormattedString:
        for child in expression_children(node):
            yield "parts", child
        return
    for name in child_fields(kind):
        value = getattr(node, name)
        if isinstance(value, _NOT_NODES):
            continue
        if type(value) in (tuple, list):
            for item in value:
                yield name, item
        elif type(value) is cst.AsName:
            yield name, value.name
        else:
            yield name, value


def descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The node and everything under it that Python's tree has (see `children`), in no
    particular order."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(child for _, child in children(current))
