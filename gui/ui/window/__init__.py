"""The main window, its menus, and the controllers behind them (live, import, export, copies)."""
