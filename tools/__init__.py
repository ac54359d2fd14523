"""Console scripts: one thin module per command, sharing _cli.py."""
