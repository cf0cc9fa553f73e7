"""The event log: a list model, a filter over it, and the view (model and view apart)."""
