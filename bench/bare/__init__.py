"""A bench-only Django configuration: the project's settings and URLs plus one bare view that
does one INSERT, the baseline intake is measured against (``bench/bench_intake.py``). Never
part of the application: it is loaded only by the benchmark's gunicorn."""
