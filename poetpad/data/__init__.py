"""Data files the engine reads at run time (generated; see poetpad/tools)."""
