"""Boundary specs: one ``spec_<module>.py`` per part of lrlearn, each with an ``ENTRIES`` list."""
