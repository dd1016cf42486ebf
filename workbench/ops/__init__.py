"""Running Workbench for real: backups and restores of the configured database (backup.py) and the check of
the settings production needs (checks.py); their commands are in commands.py (`flask backup`, `flask
restore`, `flask check-config`). Above every domain: it reads the database whole, never a model."""
