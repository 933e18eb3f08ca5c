"""Seeded, realistic demo data: a year of a city network's cases, hand-offs, takedowns and public responses.

``generate(out, scale, seed, end)`` writes the inbox (one sub-folder per source, one file per month) and a
``manifest.json`` that says what every file holds, including how many rows are deliberately bad.
"""

from concord.demo.generate import SCALES, SOURCES, generate

__all__ = ["SCALES", "SOURCES", "generate"]
