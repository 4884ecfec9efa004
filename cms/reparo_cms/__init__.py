"""Reparo."""
