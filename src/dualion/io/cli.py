"""``dualion verify DIR``: check an output folder against its ``manifest.json``."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add ``verify`` to the main ``dualion`` app."""

    @app.command("verify")
    def verify_cmd(folder: Path = typer.Argument(..., help="Output folder written by a dualion command."),
                   strict: bool = typer.Option(False, "--strict", help="Also flag files the manifest does not list."),
                   ) -> None:
        """Check a results folder against its manifest.json (exit 0 ok, 2 incomplete or corrupt)."""
        from dualion.io.outputs import verify

        v = verify(folder, strict=strict)
        if not v.ok:
            typer.echo(f"error: {v.message}", err=True)
            raise typer.Exit(2)
        typer.echo(v.message)
