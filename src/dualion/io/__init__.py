"""Input/output: atomic writes (:mod:`dualion.io.atomic`) and readers of foreign formats."""

from dualion.io.atomic import atomic_path, atomic_write_bytes, atomic_write_json, atomic_write_text

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_json", "atomic_write_text"]
