"""Benchmark tools for physr: run `physr fit`, judge recovered formulas, summarise.

Used by bench/recovery.py (the bundled datasets) and bench/feynman.py (the Feynman
benchmark), and tested by bench/tests/ (which scripts/test runs). Needs Python 3.8+ and SymPy
(`pip install sympy`); the engine's own tests do not use it.
"""
