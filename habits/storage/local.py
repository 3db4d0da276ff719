"""Files in a folder, with the same face as ``habits.storage.s3.S3Objects`` (put, get, delete):
what the demo and one machine use where production uses a bucket (share cards, once cached)."""

from __future__ import annotations

import os
from pathlib import Path

from habits.services.photos import checked_name


class LocalObjects:
    """The files under ``root``; names are relative to it and never leave it."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        full = (self.root / checked_name(name)).resolve()
        if self.root.resolve() not in full.parents:
            raise ValueError(f"name {name!r} leaves {self.root}")
        return full

    def put(self, name: str, data: bytes, content_type: str) -> None:
        path = self.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.chmod(0o640)
        partial.replace(path)  # a reader sees the old file or the new one, never half of it

    def get(self, name: str) -> bytes:
        path = self.path(name)
        if not path.is_file():
            raise FileNotFoundError(name)
        return path.read_bytes()

    def delete(self, name: str) -> None:
        try:
            self.path(name).unlink()
        except FileNotFoundError:
            pass
