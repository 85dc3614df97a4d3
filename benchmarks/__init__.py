"""Synthetic data at clinic-network scale, and timings against raw SQL (``make bench``)."""

# Bump when the generated network changes, so that ``make bench`` regenerates it.
GENERATOR_VERSION = 4
