"""Concord's benchmarks: they print wall time, peak RSS and the load average; they never assert a speed.

``python -m bench --help`` lists them; ``bench/README.md`` says what each measures and what was measured.
"""
