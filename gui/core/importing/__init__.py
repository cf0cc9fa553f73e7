"""Readings and notes from CSV or JSON Lines files, with a reason for each line left out."""
