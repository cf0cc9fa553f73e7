"""The desktop application: the QApplication, error reporting, and the windows it keeps open."""
