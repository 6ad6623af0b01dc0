"""`flask --app wsgi verify-audit`: the hash chain and every live signature, naming the first that fails."""
from __future__ import annotations

import click
from flask import Flask

from trainee_portal.audit import verify_chain
from trainee_portal.signoff.integrity import verify_signatures


def init_cli(app: Flask) -> None:
    app.cli.add_command(verify_audit)


@click.command("verify-audit")
def verify_audit() -> None:
    """Check the audit chain and that signed evidence and signatures are unchanged; exit 1 on the first failure."""
    chain = verify_chain()
    if not chain.ok:
        click.echo(f"FAILED: audit record {chain.first_bad_id} does not verify: {chain.reason}. "
                   f"({chain.checked} records before it verified.)", err=True)
        raise SystemExit(1)
    click.echo(f"Audit chain OK: {chain.checked} records verified.")
    signatures = verify_signatures()
    if not signatures.ok:
        click.echo(f"FAILED: sign-off {signatures.first_bad_signoff_id} (evidence {signatures.evidence_id}) does not verify: "
                   f"{signatures.reason}. ({signatures.checked} signatures before it verified.)", err=True)
        raise SystemExit(1)
    click.echo(f"Signatures OK: {signatures.checked} signed evidence items match their signatures and audit records.")
