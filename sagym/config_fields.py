"""The typed configuration layer: field types, one-line errors and command-line flags.

``TrainConfig`` and ``CompareConfig`` are pydantic dataclasses built from the types here. Everything
a user can get wrong is checked by them, and everything the command line offers is derived from
them: :func:`add_config_arguments` turns each field into a flag (name, help, type, list or
``KEY=VALUE`` map), :func:`config_data` reads the flags back, and :func:`format_validation_error`
turns pydantic's report into one line that names the field, what was given and what is allowed.
A bad input therefore costs the user one line on stderr and exit status 2, before anything is
written.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import inspect
import json
import math
import os
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import annotated_types
from pydantic import BeforeValidator, Field, ValidationError
from pydantic_core import PydanticCustomError

#: The largest number of seeds a comparison accepts: a grid this big is already days of compute;
#: anything larger is almost certainly a typo, and building its cells would hang the command.
MAX_SEEDS = 1000
#: Seeds are numpy/torch seeds: unsigned 32-bit integers.
MAX_SEED = 2**32 - 1
#: Training steps and evaluation intervals: a trillion user-days.
MAX_STEPS = 10**12
#: Users simulated at once (``n_envs``, ``eval_users``): a bound that catches a typo before it
#: asks the simulator for arrays no workstation holds.
MAX_USERS = 1_000_000
#: Days per episode: ten years (the simulator's own bound).
MAX_HORIZON = 3650

WandbMode = Literal["offline", "online", "disabled"]
WANDB_MODES: tuple[str, ...] = typing.get_args(WandbMode)


class ConfigError(ValueError):
    """Bad user input. Its message is one line: the field, what was given, what is allowed."""


# ------------------------------------------------------------------------------------ field types
def _integer(value: Any) -> Any:
    """Integers, and the unambiguous spellings of one (``"10"``, ``1e5``); never ``True``."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "not an integer")
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            return int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise PydanticCustomError("int_type", "not an integer") from None
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise PydanticCustomError("int_type", "not an integer")
    return value


def _number(value: Any) -> Any:
    """Finite numbers, and strings that spell one (YAML 1.1 reads ``1e-3`` as a string)."""
    if isinstance(value, bool):
        raise PydanticCustomError("float_type", "not a number")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise PydanticCustomError("float_type", "not a number") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", "not finite")
    return value


def _string_list(value: Any) -> Any:
    """A single string where a list of strings is expected means a list of one."""
    return [value] if isinstance(value, str) else value


def _no_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError("nul_character", "holds a NUL character")
    return value


#: An integer that refuses booleans and non-integral numbers; bound it with ``Field(ge=..)``.
Integer = typing.Annotated[int, BeforeValidator(_integer)]
Number = typing.Annotated[float, BeforeValidator(_number)]
Text = typing.Annotated[str, BeforeValidator(_no_nul), Field(min_length=1)]
TextList = typing.Annotated[list[Text], BeforeValidator(_string_list)]


def _folder_name(value: Any) -> Any:
    if isinstance(value, str) and (value in (".", "..") or "/" in value or "\\" in value):
        raise PydanticCustomError("folder_name", "not a folder name")
    return value


#: One folder name: no path separators, so a run cannot land outside its parent folder.
FolderName = typing.Annotated[Text, BeforeValidator(_folder_name)]
NonEmptyTextList = typing.Annotated[list[Text], BeforeValidator(_string_list), Field(min_length=1)]


# ----------------------------------------------------------------------------------- error lines
def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _location(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_REQUIREMENTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "int_type": lambda c: "must be an integer",
    "int_parsing": lambda c: "must be an integer",
    "int_from_float": lambda c: "must be an integer",
    "float_type": lambda c: "must be a number",
    "float_parsing": lambda c: "must be a number",
    "finite_number": lambda c: "must be a finite number",
    "bool_type": lambda c: "must be true or false",
    "bool_parsing": lambda c: "must be true or false",
    "string_type": lambda c: "must be a string",
    "list_type": lambda c: "must be a list",
    "dict_type": lambda c: "must be a mapping of names to values",
    "nul_character": lambda c: "must not hold a NUL character",
    "folder_name": lambda c: "must be a folder name (no '/', not '.' or '..')",
    "greater_than_equal": lambda c: f"must be >= {c['ge']}",
    "greater_than": lambda c: f"must be > {c['gt']}",
    "less_than_equal": lambda c: f"must be <= {c['le']}",
    "less_than": lambda c: f"must be < {c['lt']}",
    "literal_error": lambda c: f"must be one of {c['expected']}",
    "string_too_short": lambda c: "must not be empty",
    "too_short": lambda c: f"must hold at least {c['min_length']} item(s)",
}


def error_line(error: Mapping[str, Any], fields: Iterable[str] = ()) -> str:
    """One pydantic error as ``field must be ...; got X`` (or the validator's own message)."""
    loc = _location(error.get("loc", ()))
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        message = str(ctx["error"])
        if not loc or message.startswith(loc):
            return message
        return f"{loc}: {message}"
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        return unknown_field_message(str(loc), fields, "config")
    if kind == "too_short" and isinstance(error.get("input"), str):
        kind = "string_too_short"
    if kind in _REQUIREMENTS:
        return f"{loc} {_REQUIREMENTS[kind](ctx)}; got {_show(error.get('input'))}"
    return f"{loc}: {error.get('msg', kind)}; got {_show(error.get('input'))}"


def format_validation_error(err: ValidationError, fields: Iterable[str] = ()) -> str:
    """A pydantic ``ValidationError`` as one line: the first error, and how many more there are."""
    errors = err.errors()
    if not errors:
        return str(err).splitlines()[0]
    line = error_line(errors[0], fields)
    if len(errors) > 1:
        others = sorted({_location(e["loc"]) or "config" for e in errors[1:]})
        line += f" (and {len(errors) - 1} more: {', '.join(others)})"
    return line


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'steps'?)`` when ``name`` looks like a typo of a known name, else ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_field_message(name: str, known: Iterable[str], what: str) -> str:
    known = sorted(known)
    return f"unknown {what} field {name!r}{did_you_mean(name, known)}; known: {', '.join(known)}"


def check_known_fields(data: Mapping[Any, Any], known: Iterable[str], what: str) -> None:
    """Refuse keys that are not fields, naming the first and suggesting the closest field."""
    known = list(known)
    for key in data:
        if not isinstance(key, str) or key not in known:
            raise ConfigError(unknown_field_message(str(key), known, what))


C = TypeVar("C", bound=type)


def one_line_errors(cls: C) -> C:
    """Make a pydantic dataclass raise :class:`ConfigError` (one line) instead of pydantic's report.

    ``ConfigError`` is a ``ValueError``, like ``ValidationError``, so callers that catch
    ``ValueError`` keep working; the original report stays attached as ``__cause__``.
    """
    init = vars(cls)["__init__"]
    names = list(getattr(cls, "__dataclass_fields__", {}))

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            init(self, *args, **kwargs)
        except ValidationError as err:
            raise ConfigError(format_validation_error(err, names)) from err

    setattr(cls, "__init__", __init__)  # noqa: B010 (mypy refuses assigning to a method)
    return cls


# ----------------------------------------------------------------------------- files and modules
class _Yaml12Loader:
    """Built lazily: PyYAML's safe loader, reading floats as YAML 1.2 does (``1e-3`` is a float)."""

    loader: Any = None

    @classmethod
    def get(cls) -> Any:
        if cls.loader is None:
            import yaml

            class Loader(yaml.SafeLoader):
                pass

            Loader.add_implicit_resolver(
                "tag:yaml.org,2002:float",
                re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
                list("-+0123456789"),
            )
            cls.loader = Loader
        return cls.loader


def read_mapping(path: str | Path, flag: str) -> dict[Any, Any]:
    """A JSON or YAML file (by extension; JSON otherwise) that must hold a mapping.

    Every way the file can be unusable (missing, a folder, unreadable, not UTF-8, not parseable,
    empty, not a mapping) is a :class:`ConfigError` naming ``flag`` and the file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{flag}: no such file {str(path)!r}") from None
    except IsADirectoryError:
        raise ConfigError(f"{flag}: {str(path)!r} is a folder, not a file") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{flag}: {str(path)!r} is not UTF-8 text ({err.reason})") from None
    except OSError as err:
        raise ConfigError(f"{flag}: cannot read {str(path)!r} ({err.strerror})") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.load(text, Loader=_Yaml12Loader.get())
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(err, "problem", None) or str(err).splitlines()[0]
            raise ConfigError(
                f"{flag}: {str(path)!r} is not valid YAML{where}: {problem}"
            ) from None
    else:
        try:
            data = json.loads(text) if text.strip() else None
        except json.JSONDecodeError as err:
            raise ConfigError(
                f"{flag}: {str(path)!r} is not valid JSON at line {err.lineno}, "
                f"column {err.colno}: {err.msg}"
            ) from None
    if data is None:
        raise ConfigError(f"{flag}: {str(path)!r} is empty; it must hold a mapping of fields")
    if not isinstance(data, dict):
        raise ConfigError(
            f"{flag}: {str(path)!r} must hold a mapping of fields; got a {type(data).__name__}"
        )
    return data


def import_modules(modules: Iterable[str]) -> None:
    """Import the user's modules (their rewards and populations register themselves).

    A module that cannot be found is a :class:`ConfigError` naming it; errors raised by the
    module's own code are left alone, so the user sees where their module fails.
    """
    import importlib

    for module in modules:
        if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", module):
            raise ConfigError(f"imports: {module!r} is not a module name (such as my_rewards)")
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name and module != err.name and not module.startswith(err.name + "."):
                raise ConfigError(
                    f"imports: module {module!r} needs {err.name!r}, which is not installed"
                ) from None
            raise ConfigError(
                f"imports: no module named {module!r} (looked in the current folder and "
                "on PYTHONPATH)"
            ) from None
        except ImportError as err:
            raise ConfigError(f"imports: cannot import {module!r}: {err}") from None


def importable_from_cwd() -> None:
    """Let ``--import mymodule`` find ``./mymodule.py``, as it would with ``python -c``.

    Appended, not prepended: a file in the current folder never shadows an installed package.
    Worker processes started by ``spawn`` inherit ``sys.path``.
    """
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.append(cwd)


def check_writable_folder(path: str, field: str = "out") -> None:
    """Refuse an output folder that cannot be made or written to, without creating anything."""
    if not path:
        raise ConfigError(f"{field} must not be empty; got {path!r}")
    target = Path(path)
    probe = target
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.exists():
        raise ConfigError(f"{field}: cannot create {path!r}: no existing parent folder")
    if not probe.is_dir():
        what = "is a file" if probe == target else f"lies under {str(probe)!r}, which is a file"
        raise ConfigError(f"{field}: {path!r} {what}; give a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        where = "" if probe == target else f" (its parent {str(probe)!r} is not writable)"
        raise ConfigError(f"{field}: {path!r} is not writable{where}")


# ------------------------------------------------------------------------ flags from the fields
def _docstring_attributes(cls: type) -> dict[str, str]:
    """``name: text`` entries of a Google-style ``Attributes:`` section, joined to one line each."""
    doc = inspect.getdoc(cls) or ""
    out: dict[str, str] = {}
    current = None
    in_section = False
    for line in doc.splitlines():
        if line.strip() == "Attributes:":
            in_section = True
            continue
        if not in_section:
            continue
        match = re.match(r"^    (\w+): (.*)$", line)
        if match:
            current = match.group(1)
            out[current] = match.group(2).strip()
        elif line.startswith("        ") and current:
            out[current] += " " + line.strip()
        elif line.strip():
            break
    return out


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``(the type, whether None is allowed)`` with ``Annotated`` and ``X | None`` removed."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional


def _constraints(info: Any) -> list[Any]:
    """Every constraint object of a field, also those inside ``Annotated`` and ``X | None``."""
    found = list(info.metadata)
    pending = [info.annotation]
    while pending:
        annotation = pending.pop()
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            pending.append(args[0])
            for extra in args[1:]:
                found += [extra, *getattr(extra, "metadata", [])]
        elif origin in (typing.Union, types.UnionType):
            pending += list(typing.get_args(annotation))
    return found


def _help(info: Any, doc: str, negated: bool) -> str:
    """The field's description, its allowed range and its default, for ``--help``."""
    text = (info.description or doc).rstrip(".")
    if negated:
        text = "do not " + text
    low = next((c.ge for c in _constraints(info) if isinstance(c, annotated_types.Ge)), None)
    high = next((c.le for c in _constraints(info) if isinstance(c, annotated_types.Le)), None)
    notes = []
    if low is not None and high is not None:
        notes.append(f"{low} to {high}")
    elif low is not None:
        notes.append(f">= {low}")
    default = info.get_default(call_default_factory=True)
    if isinstance(default, list) and default:
        notes.append(f"default: {' '.join(map(str, default))}")
    elif default not in (None, {}, []) and not isinstance(default, bool):
        notes.append(f"default: {default}")
    return (text + (f" ({'; '.join(notes)})" if notes else "")).replace("%", "%%")


def _as_number(text: str) -> Any:
    """A number flag's text as the number it spells, or as given: the config judges it."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def add_config_arguments(
    parser: argparse.ArgumentParser,
    cls: type,
    flags: Mapping[str, str] | None = None,
    skip: Iterable[str] = (),
) -> None:
    """One flag per field of the pydantic dataclass ``cls``, derived from the field.

    The flag is ``--field-name`` (or ``flags[name]``), its help the field's description (or its
    line in the class docstring) with the default, its destination the field name. Lists take
    one or more values (``nargs``, repeatable), maps take ``KEY=VALUE`` and repeat, booleans that
    default to true get ``--no-...``, literals list their choices. Every value reaches the
    config as given, so the config's own validation reports a bad one (one line, exit 2).
    Unset flags stay ``None``: a config file's value then stands.
    """
    flags = dict(flags or {})
    docs = _docstring_attributes(cls)
    for name, info in cls.__pydantic_fields__.items():  # type: ignore[attr-defined]
        if name in skip:
            continue
        kind, _ = _unwrap(info.annotation)
        negated = kind is bool and info.get_default() is True
        help_text = _help(info, docs.get(name, ""), negated)
        flag = flags.get(name, "--" + name.replace("_", "-"))
        origin = typing.get_origin(kind)
        if kind is bool:
            if negated:
                flag = flags.get(name, "--no-" + name.replace("_", "-"))
                parser.add_argument(
                    flag, dest=name, action="store_const", const=False, default=None,
                    help=help_text,
                )  # fmt: skip
            else:
                parser.add_argument(
                    flag, dest=name, action="store_const", const=True, default=None,
                    help=help_text,
                )  # fmt: skip
        elif origin is list:
            need = any(
                isinstance(c, annotated_types.MinLen) and c.min_length for c in _constraints(info)
            )
            parser.add_argument(
                flag, dest=name, action="extend", nargs="+" if need else "*", default=None,
                metavar=name.upper().rstrip("S") or "VALUE", help=help_text,
            )  # fmt: skip
        elif origin is dict:
            parser.add_argument(
                flag, dest=name, action="append", default=None, metavar="KEY=VALUE",
                help=help_text + " (repeat the flag for more)",
            )  # fmt: skip
        elif origin is Literal:
            choices = typing.get_args(kind)
            parser.add_argument(
                flag, dest=name, default=None, metavar="{" + ",".join(map(str, choices)) + "}",
                help=help_text,
            )  # fmt: skip
        else:
            metavar = {int: "N", float: "X"}.get(kind, name.split("_")[-1].upper())
            convert = _as_number if kind in (int, float) else str
            parser.add_argument(
                flag, dest=name, default=None, type=convert, metavar=metavar, help=help_text
            )


def parse_assignments(items: Iterable[str] | None, field: str, flag: str) -> dict[str, Any]:
    """``["a=1", "b=[64, 64]"]`` -> ``{"a": 1, "b": [64, 64]}`` (JSON values where they parse)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{field}: {flag} takes KEY=VALUE; got {item!r}")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


def config_data(
    args: argparse.Namespace,
    cls: type,
    base: Mapping[str, Any],
    flags: Mapping[str, str] | None = None,
    added: Iterable[str] = ("imports",),
) -> dict[str, Any]:
    """A config file's fields (``base``) overridden by the flags given on the command line.

    Flags left unset keep the file's value. Maps (``--hp``, ``--user``) are merged key by key into
    the file's, and the list fields in ``added`` (``--import``) add to the file's list.
    """
    flags = dict(flags or {})
    merged = dict(base)
    for name, info in cls.__pydantic_fields__.items():  # type: ignore[attr-defined]
        value = getattr(args, name, None)
        if value is None:
            continue
        kind, _ = _unwrap(info.annotation)
        if typing.get_origin(kind) is dict:
            flag = flags.get(name, "--" + name.replace("_", "-"))
            given = parse_assignments(value, name, flag)
            previous = merged.get(name)
            merged[name] = {**previous, **given} if isinstance(previous, dict) else given
        elif name in added:
            previous = merged.get(name) or []
            if isinstance(previous, str):
                previous = [previous]
            # A value of the wrong type is kept as it is, for the config to report.
            merged[name] = [*previous, *value] if isinstance(previous, list) else previous
        else:
            merged[name] = value
    return merged


def map_flags(parser: argparse.ArgumentParser) -> list[str]:
    """The ``KEY=VALUE`` flags of ``parser`` (``--hp``, ``--user``, ``--env-kw``): the fields
    that are maps, as :func:`add_config_arguments` made them."""
    return [
        flag
        for action in parser._actions
        if isinstance(action, argparse._AppendAction) and action.metavar == "KEY=VALUE"
        for flag in action.option_strings
    ]


def expand_dotted_flags(args: Sequence[str], flags: Iterable[str]) -> list[str]:
    """``--hp.learning_rate=3e-4`` as ``--hp learning_rate=3e-4``, for every map flag in ``flags``.

    A W&B sweep agent passes each swept parameter as ``--NAME=VALUE`` (its ``${args}`` macro), so
    a sweep parameter named ``hp.learning_rate`` reaches the command line as
    ``--hp.learning_rate=0.0003``. The ``--NAME VALUE`` form (``${args_no_equals}``) is read too.
    The value is then judged by the config like any other ``--hp KEY=VALUE``. Arguments after
    ``--`` are left alone.
    """
    known = tuple(f"{flag}." for flag in flags)
    out: list[str] = []
    items = list(args)
    i = 0
    while i < len(items):
        item = items[i]
        i += 1
        if item == "--":
            out += items[i - 1 :]
            break
        if not known or not item.startswith(known):
            out.append(item)
            continue
        flag, _, rest = item.partition(".")
        key, sep, value = rest.partition("=")
        if not sep and i < len(items) and not items[i].startswith("--"):
            value, sep = items[i], "="
            i += 1
        out += [flag, f"{key}{sep}{value}"]  # no value: --hp KEY, which the map refuses
    return out


class OneLineParser(argparse.ArgumentParser):
    """argparse, with its usage errors on one line of stderr (exit status 2) like sagym's own,
    and a suggestion for a mistyped flag. Map flags also take the dotted form a W&B sweep agent
    passes (``--hp.learning_rate=3e-4``; :func:`expand_dotted_flags`)."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[argparse.Namespace, list[str]]:
        given = sys.argv[1:] if args is None else list(args)
        return super().parse_known_args(expand_dotted_flags(given, map_flags(self)), namespace)

    def _flags(self) -> list[str]:
        found: list[str] = []
        for action in self._actions:
            found += action.option_strings
            for sub in (getattr(action, "choices", None) or {}).values():
                if isinstance(sub, OneLineParser):
                    found += sub._flags()
        return found

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            first = extras[0].split("=")[0]
            hint = did_you_mean(first, self._flags()) if first.startswith("-") else ""
            self.error(f"unrecognized arguments: {' '.join(extras)}{hint}")
        return parsed


def report_errors(prog: str, run: Callable[[], int]) -> int:
    """Run a command; bad input becomes one line ``PROG: error: ...`` on stderr and status 2."""
    try:
        return run()
    except ValidationError as err:
        message = format_validation_error(err)
    except ValueError as err:  # ConfigError and the checks of the simulator and the rewards
        message = " ".join(str(err).split())
    print(f"{prog}: error: {message}", file=sys.stderr)
    return 2


__all__ = [
    "MAX_HORIZON",
    "MAX_SEED",
    "MAX_SEEDS",
    "MAX_STEPS",
    "MAX_USERS",
    "WANDB_MODES",
    "ConfigError",
    "FolderName",
    "Integer",
    "NonEmptyTextList",
    "Number",
    "OneLineParser",
    "Text",
    "TextList",
    "WandbMode",
    "add_config_arguments",
    "check_known_fields",
    "check_writable_folder",
    "config_data",
    "did_you_mean",
    "error_line",
    "expand_dotted_flags",
    "format_validation_error",
    "import_modules",
    "importable_from_cwd",
    "map_flags",
    "one_line_errors",
    "parse_assignments",
    "read_mapping",
    "report_errors",
]
