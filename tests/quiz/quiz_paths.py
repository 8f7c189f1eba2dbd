"""Paths the quiz tests share (a module of its own: `conftest` is a name other folders use)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "course"
