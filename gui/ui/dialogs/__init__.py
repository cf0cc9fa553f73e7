"""The dialogs: race, note, reading, sources, export, help, about, and notices."""
