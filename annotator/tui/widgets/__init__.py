"""Widgets of the labelling UI, one per module."""
