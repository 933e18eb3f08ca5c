"""Concord: measures how well a network of public organisations coordinates its response to harmful online content."""

__version__ = "0.1.0"
