"""Pictures of a race for sharing: the chart dressed for export, and replay clip frames."""
