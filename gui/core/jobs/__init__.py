"""What the command line and the window do with a whole session: analyse, import, export."""
