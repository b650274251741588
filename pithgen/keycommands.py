"""``pithgen keys generate`` and ``pithgen mint``: making keys and signed records (for
registries, tests and benchmarks)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pithgen.keys import SigningKey, check_key_id, load_signing_key, write_key_pair
from pithgen.mint import Paper, mint_jsonl, mint_record, read_papers


@click.group()
def keys() -> None:
    """Manage signing keys."""


@keys.command("generate")
@click.option("--key-id", required=True, help="Identifier written into every receipt.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--signer-id", default=None, help="Who signs (recorded in the key document).")
def keys_generate(key_id: str, out_dir: Path, signer_id: str | None) -> None:
    """Write KEY_ID.private.json (mode 0600) and the public key document KEY_ID.json."""
    check_key_id(key_id, "--key-id")
    private_path, public_path = write_key_pair(SigningKey.generate(key_id), out_dir, signer_id)
    click.echo(f"private key: {private_path}\npublic key document: {public_path}")


@click.command()
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Private key file written by 'pithgen keys generate'.",
)
@click.option("--arxiv-id", help="arXiv id without version, e.g. 1810.06877 or astro-ph/9610094.")
@click.option("--version", "version", type=int, help="arXiv version (>= 1).")
@click.option("--title")
@click.option("--abstract")
@click.option("--authors", default="", help="Authors as displayed, e.g. 'A. One, B. Two'.")
@click.option("--license", "license_", default="", help="arXiv license URL ('' for none).")
@click.option("--primary-cat")
@click.option("--cross-cat", "cross_cats", multiple=True, help="Secondary category. Repeatable.")
@click.option("--submitted-at", help="v1 submission time, YYYY-MM-DDTHH:MM:SSZ.")
@click.option("--signed-at", required=True, help="Receipt time, YYYY-MM-DDTHH:MM:SS[.ffffff]Z.")
@click.option(
    "--from-json",
    "from_json",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read papers from a JSON list or JSONL file instead (writes JSONL).",
)
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path, dir_okay=False))
def mint(
    key_file: Path,
    arxiv_id: str | None,
    version: int | None,
    title: str | None,
    abstract: str | None,
    authors: str,
    license_: str,
    primary_cat: str | None,
    cross_cats: tuple[str, ...],
    submitted_at: str | None,
    signed_at: str,
    from_json: Path | None,
    out_file: Path,
) -> None:
    """Mint a signed record document (or a JSONL file of them with --from-json)."""
    key = load_signing_key(key_file)
    if from_json is not None:
        lines = mint_jsonl(read_papers(from_json), key, signed_at=signed_at)
        out_file.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        click.echo(f"minted {len(lines)} record(s) into {out_file}")
        return
    given = {
        "--arxiv-id": arxiv_id,
        "--version": version,
        "--title": title,
        "--abstract": abstract,
        "--primary-cat": primary_cat,
        "--submitted-at": submitted_at,
    }
    missing = [name for name, value in given.items() if value is None]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)} (or use --from-json)")
    paper = Paper(  # every value is given (not None): checked just above
        arxiv_id=arxiv_id or "",
        version=version or 0,
        title=title or "",
        abstract=abstract or "",
        submitted_at=submitted_at or "",
        primary_cat=primary_cat or "",
        cross_cats=cross_cats,
        authors=authors,
        license=license_,
    )
    doc = mint_record(paper, key, signed_at=signed_at)
    out_file.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    click.echo(f"minted {doc['pith_number']} into {out_file}")
