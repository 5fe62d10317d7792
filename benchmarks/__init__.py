"""`make bench`: every benchmark module here prints its figures and contributes a section to BENCHMARKS.md."""
