"""Forensic methods: one module per method, each registering itself next to its functions.

The registry (:mod:`imgfake.forensics.registry`) finds every module of this package by itself;
the grid maths shared by methods is in :mod:`imgfake.forensics.blocks`.
"""
