"""A small restricted parser from formula text to float64 torch operations.

The text is never handed to ``eval``, ``exec``, ``compile`` or :mod:`ast`. A
tokenizer accepts only numbers, the names below, ``+ - * / ** ^ ( ) ,`` and
spaces; a recursive-descent parser turns the tokens into a postfix program
that a loop runs on tensors. Constant sub-expressions are folded with the same
torch float64 operations, so ``9**9**9**9`` is ``inf`` at once instead of an
endless Python integer power.

Grammar (Python precedence; ``^`` is ``**``)::

    expr   := term (('+' | '-') term)*
    term   := unary (('*' | '/') unary)*
    unary  := ('-' | '+') unary | power
    power  := atom (('**' | '^') unary)?        # right-associative, -x**2 = -(x**2)
    atom   := number | x | y | pi | e | func '(' expr (',' expr)* ')' | '(' expr ')'
"""
from __future__ import annotations

import keyword
import math
import operator
import re

import torch
import torch.nn.functional as F

from core.surfaces.base import DTYPE

MAX_LENGTH = 500
MAX_DEPTH = 50

VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
# name -> (number of arguments, torch function)
FUNCTIONS = {
    "sin": (1, torch.sin), "cos": (1, torch.cos), "tan": (1, torch.tan), "exp": (1, torch.exp),
    "log": (1, torch.log), "sqrt": (1, torch.sqrt), "abs": (1, torch.abs), "tanh": (1, torch.tanh),
    "sigmoid": (1, torch.sigmoid), "relu": (1, torch.relu), "softplus": (1, F.softplus),
    "min": (2, torch.minimum), "max": (2, torch.maximum),
}
_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
           "**": operator.pow, "^": operator.pow}
_ALLOWED = "allowed: x, y, pi, e and functions " + ", ".join(FUNCTIONS)

_TOKEN = re.compile(r"""
    (?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^(),])
  | (?P<space>[ \t\r\n]+)
""", re.VERBOSE)

# Opcodes of the postfix program.
_CONST, _X, _Y, _UNARY, _BIN = range(5)


def _bad_char(ch: str, col: int) -> ValueError:
    if ch in ("<", ">", "!", "=="):
        return ValueError(f"comparisons ({ch!r} at column {col}) are not supported: formulas are arithmetic "
                          "in x and y; max(a, b) and min(a, b) pick between two values")
    if ch == ".":
        return ValueError(f"attribute access ('.') is not allowed at column {col}")
    if ch in "'\"":
        return ValueError(f"strings (quotes) are not allowed at column {col}")
    if ch == ";":
        return ValueError(f"';' is not allowed (one expression only) at column {col}")
    if ch == "=":
        return ValueError(f"'=' is not allowed (no assignments or keyword arguments) at column {col}")
    return ValueError(f"unexpected character {ch!r} at column {col}")


def tokenize(text: str) -> list[tuple[str, str, int]]:
    """Tokens ``(kind, text, column)`` with 1-based columns, ending with ``("end", "", len+1)``.

    An invalid character becomes a final ``("bad", char, column)`` token that the
    parser reports when it gets there, so errors come out in reading order.
    """
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            bad = "==" if text.startswith("==", pos) else text[pos]  # '==' is a comparison, not '='
            tokens.append(("bad", bad, pos + 1))
            return tokens
        if m.lastgroup != "space":
            tokens.append((m.lastgroup, m.group(), pos + 1))
        pos = m.end()
    tokens.append(("end", "", len(text) + 1))
    return tokens


def _fold(fn, *values: float) -> float:
    """Evaluate a constant sub-expression with the same float64 torch op used at run time."""
    return float(fn(*(torch.tensor(v, dtype=DTYPE) for v in values)))


class _Parser:
    """Recursive descent over the tokens, emitting a postfix program.

    Each ``_parse_*`` method returns the operand's value if it is a constant
    (then its code is a single ``_CONST`` instruction, which folding replaces).
    """

    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.code: list[tuple[int, object]] = []

    def peek(self):
        tok = self.tokens[self.i]
        if tok[0] == "bad":
            raise _bad_char(tok[1], tok[2])
        return tok

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def parse(self):
        self._expr()
        kind, text, col = self.peek()
        if kind != "end":
            if text == ",":
                raise ValueError(f"unexpected ',' at column {col} (commas only separate function arguments)")
            if kind == "name" and (keyword.iskeyword(text) or keyword.issoftkeyword(text)):
                # x if y else 1, x and y, x or y: Python words, not a missing '*'
                raise ValueError(f"{text!r} at column {col} is not supported: formulas are arithmetic in "
                                 "x and y (+ - * / ** and functions such as max(a, b))")
            hint = " (write * to multiply)" if kind in ("num", "name") or text == "(" else ""
            raise ValueError(f"unexpected {text!r} at column {col}{hint}")
        return self.code

    def _emit_binary(self, op: str, left, right):
        fn = _BINARY[op]
        if left is not None and right is not None:
            del self.code[-2:]
            value = _fold(fn, left, right)
            self.code.append((_CONST, torch.tensor(value, dtype=DTYPE)))
            return value
        self.code.append((_BIN, fn))
        return None

    def _expr(self):
        left = self._term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            left = self._emit_binary(op, left, self._term())
        return left

    def _term(self):
        left = self._unary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            left = self._emit_binary(op, left, self._unary())
        return left

    def _unary(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ValueError(f"formula nests too deeply (more than {MAX_DEPTH} levels) at column {self.peek()[2]}")
        if self.peek()[1] in ("-", "+"):
            sign = self.take()[1]
            value = self._unary()
            if sign == "-":
                if value is not None:
                    value = -value
                    self.code[-1] = (_CONST, torch.tensor(value, dtype=DTYPE))
                else:
                    self.code.append((_UNARY, operator.neg))
        else:
            value = self._power()
        self.depth -= 1
        return value

    def _power(self):
        base = self._atom()
        if self.peek()[1] in ("**", "^"):
            op = self.take()[1]
            return self._emit_binary(op, base, self._unary())  # exponent may be signed: 2**-1
        return base

    def _atom(self):
        kind, text, col = self.take()
        if kind == "num":
            value = float(text)  # float64: huge literals become inf, never a Python int
            self.code.append((_CONST, torch.tensor(value, dtype=DTYPE)))
            return value
        if kind == "name":
            return self._name(text, col)
        if text == "(":
            value = self._expr()
            if self.peek()[1] != ")":
                raise ValueError(f"missing ')' for the '(' at column {col} (found {self._describe()})")
            self.take()
            return value
        if kind == "end":
            prev = self.tokens[self.i - 2][1] if self.i >= 2 else ""
            after = f" after {prev!r}" if prev else ""
            raise ValueError(f"formula ends too early{after} at column {col}: expected a number, x, y, "
                             "a function or '('")
        raise ValueError(f"unexpected {text!r} at column {col}")

    def _describe(self) -> str:
        kind, text, col = self.peek()
        return "end of formula" if kind == "end" else f"{text!r} at column {col}"

    def _name(self, name: str, col: int):
        if name.startswith("_"):
            raise ValueError(f"name {name!r} is not allowed at column {col}; {_ALLOWED}")
        if keyword.iskeyword(name):
            raise ValueError(f"keyword {name!r} is not allowed at column {col}; {_ALLOWED}")
        called = self.peek()[1] == "("
        if name in FUNCTIONS:
            if not called:
                raise ValueError(f"function {name!r} needs parentheses, e.g. {name}(x), at column {col}")
            return self._call(name, col)
        if name in VARIABLES or name in CONSTANTS:
            if called:
                raise ValueError(f"{name!r} is not a function at column {col} (write * to multiply)")
            if name in CONSTANTS:
                self.code.append((_CONST, torch.tensor(CONSTANTS[name], dtype=DTYPE)))
                return CONSTANTS[name]
            self.code.append((_X if name == "x" else _Y, None))
            return None
        what = "function" if called else "name"
        raise ValueError(f"unknown {what} {name!r} at column {col}; {_ALLOWED}")

    def _call(self, name: str, col: int):
        nargs, fn = FUNCTIONS[name]
        self.take()  # '('
        args = []
        if self.peek()[1] != ")":
            args.append(self._expr())
            while self.peek()[1] == ",":
                self.take()
                args.append(self._expr())
        if self.peek()[1] != ")":
            raise ValueError(f"missing ')' to close {name}( at column {col} (found {self._describe()})")
        self.take()
        if len(args) != nargs:
            plural = "argument" if nargs == 1 else "arguments"
            raise ValueError(f"{name}() takes {nargs} {plural}, got {len(args)} at column {col}")
        if all(a is not None for a in args):
            del self.code[len(self.code) - nargs:]
            value = _fold(fn, *args)
            self.code.append((_CONST, torch.tensor(value, dtype=DTYPE)))
            return value
        self.code.append((_UNARY, fn) if nargs == 1 else (_BIN, fn))
        return None


def compile_formula(text: str) -> list[tuple[int, object]]:
    """Check ``text`` and turn it into a postfix program for :func:`run_program`.

    Raises
    ------
    ValueError
        Empty, too long, too deeply nested, bad syntax or a name outside the
        allowed list; the message names the problem and its 1-based column.
    """
    if not isinstance(text, str):
        raise ValueError(f"formula must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ValueError("empty formula: type an expression in x and y, e.g. x^2 + 3*y^2")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"formula is too long ({len(text)} characters, at most {MAX_LENGTH})")
    return _Parser(text).parse()


def uses_xy(code) -> bool:
    """True if the compiled formula reads x or y (constants are folded, so ``2*3`` reads neither)."""
    return any(op in (_X, _Y) for op, _ in code)


def run_program(code, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Run a compiled formula on tensors ``x`` and ``y`` (a plain loop: no recursion, no eval)."""
    stack: list = []
    for op, arg in code:
        if op == _CONST:
            stack.append(arg)
        elif op == _X:
            stack.append(x)
        elif op == _Y:
            stack.append(y)
        elif op == _UNARY:
            stack[-1] = arg(stack[-1])
        else:
            right = stack.pop()
            stack[-1] = arg(stack[-1], right)
    return stack[0]
