"""Helpers any test may import: the clock, a mail sink and a browser-like client. Feature helpers live beside
their tests (tests/app/<feature>/helpers.py); test modules import only from helpers, never from each other."""
