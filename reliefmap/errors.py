"""Errors every layer may raise for the command line to print as one line."""

import click


class UserError(click.ClickException):
    """A mistake the user can fix: printed as one line, exit status 1."""
