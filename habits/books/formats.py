"""One format, four uses: a template such as ``settle:{challenge_id}:{day_index}:{part}`` builds a
string, matches one back into its fields, renders the same string as a SQL expression over
columns, and gives the prefix a LIKE pattern needs. Codes and keys declare their templates once
(codes.py, keys.py); nothing else in habits writes one.

Segments are separated by ``:``. A segment is either literal text or one ``{field}``; a field
named ``*_id`` or ``day_index`` holds a non-negative integer; the last field may itself contain
``:`` (a refused refund's key names the withdrawal key it refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import String, cast, literal

SEP = ":"


def _is_field(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _is_int_field(name: str) -> bool:
    return name.endswith("_id") or name == "day_index"


@dataclass(frozen=True)
class Format:
    template: str

    @cached_property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.split(SEP))

    @property
    def head(self) -> str:
        """The first segment: literal text that says which kind of code or key this is."""
        return self.segments[0]

    @cached_property
    def fields(self) -> tuple[str, ...]:
        return tuple(s[1:-1] for s in self.segments if _is_field(s))

    def build(self, **values) -> str:
        """The string for ``values`` (every field given, none empty)."""
        if set(values) != set(self.fields):
            raise TypeError(f"{self.template} needs {self.fields}, got {tuple(values)}")
        text = [str(values[s[1:-1]]) if _is_field(s) else s for s in self.segments]
        if any(not piece for piece in text):
            raise ValueError(f"{self.template}: an empty field in {values}")
        return SEP.join(text)

    def prefix(self, **values) -> str:
        """The string up to the first field not given, with its trailing ``:`` (for LIKE)."""
        text = []
        for segment in self.segments:
            if _is_field(segment):
                if segment[1:-1] not in values:
                    break
                text.append(str(values[segment[1:-1]]))
            else:
                text.append(segment)
        else:
            raise ValueError(f"{self.template}: a prefix leaves at least one field out")
        return SEP.join(text) + SEP

    def match(self, text: str) -> dict | None:
        """The fields of ``text`` if it has this format (integers as int), else None."""
        pieces = text.split(SEP, len(self.segments) - 1)
        if len(pieces) != len(self.segments):
            return None
        values = {}
        for segment, piece in zip(self.segments, pieces, strict=True):
            if not _is_field(segment):
                if piece != segment:
                    return None
                continue
            name = segment[1:-1]
            if not piece or (SEP in piece and name != self.fields[-1]):
                return None
            if _is_int_field(name):
                if not piece.isascii() or not piece.isdigit():
                    return None
                values[name] = int(piece)
            else:
                values[name] = piece
        return values

    # -- the same strings in SQL ---------------------------------------------------------------

    def sql(self, **values):
        """The string as a SQL expression: each value a column (cast to text) or a Python value."""
        if set(values) != set(self.fields):
            raise TypeError(f"{self.template} needs {self.fields}, got {tuple(values)}")
        return _concat(self.segments, values)

    def prefix_sql(self, **values):
        """``prefix`` as a SQL expression over columns."""
        given = []
        for segment in self.segments:
            if _is_field(segment) and segment[1:-1] not in values:
                break
            given.append(segment)
        return _concat([*given, ""], values)


def _concat(segments, values):
    """text || CAST(column AS text) || text ..., literal runs merged into one literal."""
    parts: list = []
    run = ""
    for i, segment in enumerate(segments):
        if i:
            run += SEP
        if not _is_field(segment):
            run += segment
            continue
        value = values[segment[1:-1]]
        if not hasattr(value, "__clause_element__") and not hasattr(value, "compile"):
            run += str(value)
            continue
        if run:
            parts.append(literal(run))
            run = ""
        parts.append(cast(value, String))
    if run:
        parts.append(literal(run))
    expression = parts[0]
    for part in parts[1:]:
        expression = expression + part
    return expression
