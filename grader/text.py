"""Bilingual text: the one mechanism for everything a student or an instructor reads.

A message is an ``L(en, ru)``, chosen with ``message(lang)`` where it is shown (a report, a
table, a quiz page), never earlier: results keep the pair until a renderer picks. Where a
module looks messages up by a key (an outcome's name, a word of a quiz page), it keeps a
catalogue ``{key: L}`` and picks ``catalogue[key](lang)``; there is no second per-language
table and no ``if lang == "ru"`` beside it. Text from inside the jail is data (an exception's
text, a kind of death), translated here on the trusted side, never in the jail.

Bank texts of the quiz are the one other per-language form: they are jinja2 templates the
course writes in YAML as ``{ru: ..., en: ...}``, compiled per language (grader/quiz/templates.py).
"""

from __future__ import annotations

from dataclasses import dataclass

LANGS: tuple[str, ...] = ("ru", "en")  # students read Russian first


@dataclass(frozen=True)
class L:
    """A text in English and Russian; the report picks one (``--lang``)."""

    en: str
    ru: str

    def __call__(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en

    def __add__(self, other: L | str) -> L:
        if isinstance(other, str):
            return L(self.en + other, self.ru + other)
        return L(self.en + other.en, self.ru + other.ru)

    def __radd__(self, other: str) -> L:
        return L(other + self.en, other + self.ru)

    def format(self, **values: object) -> L:
        return L(self.en.format(**values), self.ru.format(**values))
