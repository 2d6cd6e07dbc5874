"""Benchmark tools for physr: run `physr fit`, judge recovered formulas, summarise.

Used by bench/recovery.py (the bundled datasets) and bench/feynman.py (the Feynman
benchmark). Needs Python 3.8+ and SymPy (`pip install sympy`); not used by the tests.
"""
