"""lrlint's data as plain JSON for the result cache: nothing in a cache file can run code when read.

The cache lives in the linted tree, where a pull request can plant any file. Unpickling runs
whatever callable a pickle names (`os.system` through `__reduce__`), and both pickle and marshal
allocate gigabytes for a few bytes (a memo index or a tuple length of 2**30). `json.loads` builds
only numbers, strings, lists and dicts, in memory proportional to its text; this module turns
those back into lrlint's own classes and checks every value against the declared type of its
field on the way, so a malformed entry is rejected (`Invalid`: a cache miss) before any of it is
used, instead of crashing the run later.

The classes it builds are the dataclasses defined in `MODULES` (and the classes there whose own
`__reduce__` rebuilds them from their arguments): no other class, no function. Each schema is
derived from the type hints when first needed, so a field added to a fact is cached without
touching this file; a type it cannot represent raises `Unsupported` when encoding (the summary
is then not cached, and the round-trip test over the fixtures fails, loudly).

Typed fields are written without tags (a dataclass as the list of its field values); a field
typed `Any` or `object` holds a tagged value: `["t", ...]` a tuple, `["l", ...]` a list,
`["d", k, v, ...]` a dict, `["f", ...]` a frozenset, `["s", ...]` a set, `["c", class, ...]` a
dataclass, `["r", class, ...]` a class rebuilt from arguments; scalars stand for themselves.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import types
import typing
from collections.abc import Mapping
from typing import Any, Callable

# The modules whose classes a cache entry may hold.
MODULES = (
    "lrlint.linter",
    "lrlint.diagnostics",
    "lrlint.scenario",
    "lrlint.trajectory",
    "lrlint.facts.model",
    "lrlint.rules.base",
    "lrlint.suppressions",
)

MAX_DEPTH = 64  # nesting of `Any` values (literal lists in a scheduler's arguments are a few deep)


class Unsupported(Exception):
    """A value or a declared type the cache cannot represent: the summary is not cached."""


class Invalid(Exception):
    """Data that does not fit the schema: a corrupt or hostile entry, read as a cache miss."""


_SCALARS = (type(None), bool, int, float, str)
_UNIONS = (typing.Union, getattr(types, "UnionType", typing.Union))
_CHECKS = {int: "type({v}) is int", str: "type({v}) is str", bool: "type({v}) is bool",
           float: "(type({v}) is float or type({v}) is int)", type(None): "{v} is None"}  # fmt: skip
_TYPE_SETS = {int: frozenset({int}), str: frozenset({str}), bool: frozenset({bool}), float: frozenset({int, float})}


class Codec:
    """Encoders and decoders generated per type, once per process."""

    def __init__(self, modules: tuple[str, ...] = MODULES) -> None:
        self._modules = modules
        self._classes: dict[str, type] = {}
        self._loaded: set[str] = set()
        self._ns: dict[str, Any] = {"Invalid": Invalid, "_genc": self._genc, "_gdec": self._gdec,
                                    "_genc_args": self._genc_args, "_strkeys": _strkeys, "_new": object.__new__}  # fmt: skip
        self._helpers: dict[Any, tuple[str, str]] = {}  # type -> (encoder name, decoder name)
        self._count = 0

    def class_named(self, name: str) -> type | None:
        """The allowed class called `module:qualname`, importing its module (one of `MODULES`,
        never another) when first asked: a warm run decodes diagnostics, not facts."""
        module = name.partition(":")[0]
        if module in self._modules and module not in self._loaded:
            self._loaded.add(module)
            for value in vars(importlib.import_module(module)).values():
                if isinstance(value, type) and value.__module__ == module and _allowed(value):
                    self._classes[_name(value)] = value
        return self._classes.get(name)

    def allows(self, cls: type) -> bool:
        return isinstance(cls, type) and self.class_named(_name(cls)) is cls

    # -- the public face ---------------------------------------------------------------------

    def dumps(self, tp: Any, value: Any) -> bytes:
        """`value` (of type `tp`) as JSON bytes; Unsupported when it cannot be represented."""
        data = self.encode(tp, value)
        try:
            return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
        except Exception as exc:  # noqa: BLE001 - a value JSON cannot hold
            raise Unsupported(f"{type(exc).__name__}: {exc}") from None

    def loads(self, tp: Any, data: bytes) -> Any:
        """The value of type `tp` that `dumps` wrote; Invalid for anything else."""
        try:
            parsed = json.loads(data.decode("utf-8", "surrogatepass"))
        except Exception as exc:  # noqa: BLE001 - not JSON: a miss
            raise Invalid(f"{type(exc).__name__}: {exc}") from None
        return self.decode(tp, parsed)

    def encode(self, tp: Any, value: Any) -> Any:
        """`value` as JSON-able data (what `dumps` writes, before the text); Unsupported when
        it cannot be represented."""
        encode, _ = self._functions(tp)
        try:
            return encode(value)
        except Unsupported:
            raise
        except Exception as exc:  # noqa: BLE001 - a value that does not fit its declared type
            raise Unsupported(f"{type(exc).__name__}: {exc}") from None

    def decode(self, tp: Any, data: Any) -> Any:
        """The value of type `tp` for data `json.loads` gave; Invalid for anything else."""
        _, decode = self._functions(tp)
        try:
            return decode(data)
        except Invalid:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a bad entry makes fail, it is a miss
            raise Invalid(f"{type(exc).__name__}: {exc}") from None

    # -- generated code ----------------------------------------------------------------------

    def _functions(self, tp: Any) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
        enc, dec = self._helper(tp)
        return self._ns[enc], self._ns[dec]

    def _helper(self, tp: Any) -> tuple[str, str]:
        """Names of the generated encoder and decoder functions for `tp`."""
        key = _key(tp)
        if key in self._helpers:
            return self._helpers[key]
        self._count += 1
        names = (f"enc_{self._count}", f"dec_{self._count}")
        self._helpers[key] = names  # before generating: a class may refer to itself
        try:
            source = self._source(tp, *names)
        except Unsupported:
            del self._helpers[key]
            raise
        exec(compile(source, f"<lrlint cache codec {tp!r}>", "exec"), self._ns)  # noqa: S102 - our own schema
        return names

    def _const(self, value: Any) -> str:
        self._count += 1
        name = f"_c{self._count}"
        self._ns[name] = value
        return name

    def _source(self, tp: Any, enc: str, dec: str) -> str:
        if self.allows(tp):
            if dataclasses.is_dataclass(tp):
                return self._dataclass_source(tp, enc, dec)
            return self._reduced_source(tp, enc, dec)
        # A container or a union: one-line functions around the expressions below.
        return (
            f"def {enc}(x):\n    return {self._enc_expr(tp, 'x')}\n"
            f"def {dec}(v):\n" + "".join(f"    {line}\n" for line in self._dec_lines(tp, "v")) + "    return v\n"
        )

    def _dataclass_source(self, cls: type, enc: str, dec: str) -> str:
        try:
            hints = typing.get_type_hints(cls)
        except Exception as exc:  # noqa: BLE001 - an annotation this Python cannot evaluate
            raise Unsupported(f"{_name(cls)}: {exc}") from None
        fields = [f for f in dataclasses.fields(cls)]
        via_init = hasattr(cls, "__post_init__") or hasattr(cls, "__slots__")
        if via_init:
            fields = [f for f in fields if f.init]
        values = [f"a{i}" for i in range(len(fields))]
        lines = [f"def {enc}(o):", f"    return [{', '.join(self._enc_expr(hints[f.name], f'o.{f.name}') for f in fields)}]"]
        lines += [f"def {dec}(v):", f"    if type(v) is not list or len(v) != {len(fields)}:", "        raise Invalid"]
        if fields:
            lines.append(f"    {', '.join(values)}{',' if len(values) == 1 else ''} = v")
        for name, f in zip(values, fields):
            lines += [f"    {line}" for line in self._dec_lines(hints[f.name], name)]
        cls_name = self._const(cls)
        if via_init:
            lines.append(f"    return {cls_name}({', '.join(f'{f.name}={v}' for f, v in zip(fields, values))})")
        else:  # as pickle does: the instance's attributes, without running __init__
            lines.append(f"    o = _new({cls_name})")
            lines.append(f"    o.__dict__.update({{{', '.join(f'{f.name!r}: {v}' for f, v in zip(fields, values))}}})")
            lines.append("    return o")
        return "\n".join(lines) + "\n"

    def _reduced_source(self, cls: type, enc: str, dec: str) -> str:
        cls_name = self._const(cls)
        return (
            f"def {enc}(o):\n    return _genc_args({cls_name}, o)\n"
            f"def {dec}(v):\n    if type(v) is not list:\n        raise Invalid\n"
            f"    return {cls_name}(*[_gdec(x, 1) for x in v])\n"
        )

    def _enc_expr(self, tp: Any, x: str) -> str:
        kind, args = self._shape(tp)
        if kind == "scalar":
            return x
        if kind == "any":
            return f"_genc({x})"
        if kind == "optional":
            return f"(None if {x} is None else {self._enc_expr(args[0], x)})"
        if kind in ("class", "reduced"):
            return f"{self._helper(tp)[0]}({x})"
        if kind in ("seq", "set"):
            (item,) = args
            if self._shape(item)[0] == "scalar":
                return f"list({x})"
            return f"[{self._enc_expr(item, 'e')} for e in {x}]"
        if kind == "fixed":
            return f"[{', '.join(self._enc_expr(t, f'{x}[{i}]') for i, t in enumerate(args))}]" if args else "[]"
        if kind == "strmap":
            value = args[1]
            if self._shape(value)[0] == "scalar":
                return f"_strkeys({x})"
            return f"{{k: {self._enc_expr(value, 'e')} for k, e in _strkeys({x}).items()}}"
        if kind == "map":
            return f"[[{self._enc_expr(args[0], 'k')}, {self._enc_expr(args[1], 'e')}] for k, e in {x}.items()]"
        raise Unsupported(f"cannot cache values of type {tp!r}")  # pragma: no cover - _shape raises first

    def _dec_lines(self, tp: Any, v: str) -> list[str]:
        """Statements that check `v` and rebind it to the decoded value."""
        kind, args = self._shape(tp)
        if kind == "scalar":
            return [f"if not ({self._check(tp, v)}):", "    raise Invalid"]
        if kind == "any":
            return [f"{v} = _gdec({v}, 0)"]
        if kind == "optional":
            return [f"if {v} is not None:", *(f"    {line}" for line in self._dec_lines(args[0], v))]
        if kind in ("class", "reduced"):
            return [f"{v} = {self._helper(tp)[1]}({v})"]
        if kind in ("seq", "set"):
            (item,) = args
            build = {"tuple": "tuple", "list": "list", "frozenset": "frozenset", "set": "set"}[_container(tp)]
            lines = [f"if type({v}) is not list:", "    raise Invalid"]
            item_kind = self._shape(item)[0]
            if item_kind == "scalar" and item in _TYPE_SETS:
                lines += [f"if not {self._const(_TYPE_SETS[item])}.issuperset(map(type, {v})):", "    raise Invalid"]
                return lines + ([f"{v} = {build}({v})"] if build != "list" else [])
            if item_kind == "scalar":
                return lines + [f"for e in {v}:", f"    if not ({self._check(item, 'e')}):", "        raise Invalid",
                                *([f"{v} = {build}({v})"] if build != "list" else [])]  # fmt: skip
            return lines + [f"{v} = {build}([{self._helper(item)[1]}(e) for e in {v}])"]
        if kind == "fixed":
            names = [f"{v}_{i}" for i in range(len(args))]
            lines = [f"if type({v}) is not list or len({v}) != {len(args)}:", "    raise Invalid"]
            if args:
                lines.append(f"{', '.join(names)}{',' if len(names) == 1 else ''} = {v}")
            for name, t in zip(names, args):
                lines += self._dec_lines(t, name)
            return lines + [f"{v} = ({', '.join(names)}{',' if len(names) == 1 else ''})"]
        if kind == "strmap":
            value = args[1]
            lines = [f"if type({v}) is not dict:", "    raise Invalid"]
            if self._shape(value)[0] == "scalar":
                return lines + [f"for e in {v}.values():", f"    if not ({self._check(value, 'e')}):", "        raise Invalid"]
            return lines + [f"{v} = {{k: {self._helper(value)[1]}(e) for k, e in {v}.items()}}"]
        if kind == "map":
            key_dec, value_dec = self._helper(args[0])[1], self._helper(args[1])[1]
            return [f"if type({v}) is not list or not all(type(p) is list and len(p) == 2 for p in {v}):", "    raise Invalid",
                    f"{v} = {{{key_dec}(p[0]): {value_dec}(p[1]) for p in {v}}}"]  # fmt: skip
        raise Unsupported(f"cannot cache values of type {tp!r}")  # pragma: no cover

    def _check(self, tp: Any, v: str) -> str:
        """A boolean expression: `v` is a valid value of the scalar type `tp`."""
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is typing.Literal:
            if all(type(a) is str for a in args):
                return f"(type({v}) is str and {v} in {self._const(frozenset(args))})"
            return f"((type({v}), {v}) in {self._const(frozenset((type(a), a) for a in args))})"
        if origin in _UNIONS:
            return " or ".join(f"({self._check(a, v)})" for a in args)
        return _CHECKS[tp].format(v=v)

    def _shape(self, tp: Any) -> tuple[str, tuple[Any, ...]]:
        """What kind of type `tp` is, for the generated code, and its arguments."""
        if tp is Any or tp is object:
            return "any", ()
        if tp in _CHECKS:
            return "scalar", ()
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is typing.Literal:
            if all(type(a) in _SCALARS for a in args):
                return "scalar", ()
            raise Unsupported(f"cannot cache values of type {tp!r}")
        if origin in (_UNIONS):
            if all(self._shape(a)[0] == "scalar" for a in args):
                return "scalar", ()
            rest = [a for a in args if a is not type(None)]
            if len(rest) == 1 and len(args) == 2:
                return "optional", (rest[0],)
            return "any", ()  # several classes: the tagged form says which
        if isinstance(tp, type) and (dataclasses.is_dataclass(tp) or "__reduce__" in vars(tp)):
            if not self.allows(tp):
                raise Unsupported(f"{_name(tp)} is not one of lrlint's data classes")
            return ("class" if dataclasses.is_dataclass(tp) else "reduced"), ()
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return "seq", (args[0],)
            return "fixed", args
        if origin in (list, frozenset, set) and len(args) == 1:
            return ("seq" if origin is list else "set"), args
        if origin in (dict, Mapping) and len(args) == 2:
            return ("strmap" if args[0] is str else "map"), args
        if tp in (tuple, list, dict, frozenset, set):
            return "any", ()
        raise Unsupported(f"cannot cache values of type {tp!r}")

    # -- `Any` values: tagged ------------------------------------------------------------------

    def _genc(self, x: Any) -> Any:
        t = type(x)
        if t in _SCALARS:
            return x
        if t is list:
            return ["l", *map(self._genc, x)]
        if t is tuple:
            return ["t", *map(self._genc, x)]
        if t is dict:
            return ["d", *(y for pair in x.items() for y in map(self._genc, pair))]
        if t is frozenset:
            return ["f", *map(self._genc, x)]
        if t is set:
            return ["s", *map(self._genc, x)]
        name = _name(t)
        if self.allows(t):
            return ["c" if dataclasses.is_dataclass(t) else "r", name, *self._functions(t)[0](x)]
        raise Unsupported(f"cannot cache a value of type {name}")

    def _genc_args(self, cls: type, obj: Any) -> list[Any]:
        reduced = obj.__reduce__()
        if not (isinstance(reduced, tuple) and len(reduced) == 2 and reduced[0] is cls):
            raise Unsupported(f"{_name(cls)}.__reduce__ does not rebuild it from arguments")
        return [self._genc(a) for a in reduced[1]]

    def _gdec(self, v: Any, depth: int) -> Any:
        t = type(v)
        if t is not list:
            if t in _SCALARS:
                return v
            raise Invalid  # a JSON object where a tagged value belongs
        if not v or type(v[0]) is not str or depth > MAX_DEPTH:
            raise Invalid
        tag = v[0]
        if tag in ("c", "r"):
            cls = self.class_named(v[1]) if len(v) > 1 and type(v[1]) is str else None
            if cls is None or (tag == "c") != dataclasses.is_dataclass(cls):
                raise Invalid  # a class outside lrlint's data classes
            return self._functions(cls)[1](v[2:])
        items = [self._gdec(x, depth + 1) for x in v[1:]]
        if tag == "l":
            return items
        if tag == "t":
            return tuple(items)
        if tag == "f":
            return frozenset(items)
        if tag == "s":
            return set(items)
        if tag == "d" and len(items) % 2 == 0:
            return dict(zip(items[::2], items[1::2]))
        raise Invalid


def _allowed(cls: type) -> bool:
    """A dataclass, or a class whose own `__reduce__` rebuilds it from arguments."""
    return dataclasses.is_dataclass(cls) or "__reduce__" in vars(cls)


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _key(tp: Any) -> Any:
    try:
        hash(tp)
        return tp
    except TypeError:
        return repr(tp)


def _container(tp: Any) -> str:
    origin = typing.get_origin(tp) or tp
    if origin in (tuple, list, frozenset, set):
        return origin.__name__
    raise Unsupported(f"cannot cache values of type {tp!r}")


def _strkeys(mapping: Mapping[Any, Any]) -> dict[str, Any]:
    """A str-keyed mapping as a dict; JSON would turn other keys into strings silently."""
    if not all(type(k) is str for k in mapping):
        raise Unsupported("a mapping typed with str keys holds another key")
    return dict(mapping)


_codec: Codec | None = None


def codec() -> Codec:
    """The process's codec (its generated code serves every entry)."""
    global _codec
    if _codec is None:
        _codec = Codec()
    return _codec
