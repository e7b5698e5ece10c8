"""``partnerdir check-pr``: may the author of a pull request change the files it touches?"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import IO

import click

from generator.loader import NETWORK_FILE
from generator.ownership import Change, Decision, Status, decide, is_profile, logins
from generator.yamlsource import parse_yaml
from partnerdir.annotations import annotation
from partnerdir.pr_sources import FolderSource, GitSource, Source, SourceError


class CheckError(click.ClickException):
    """The changes cannot be read; exit 2 like a usage error, since nothing was judged."""

    exit_code = 2


def _listed(raw: bytes | None, name: str, key: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    doc = parse_yaml(raw, name)
    return None if doc.problems else logins(doc.data, key)


def collect(source: Source) -> tuple[list[Change], tuple[str, ...]]:
    """Return the changes with their maintainers, and the admins of the base version."""
    paths = source.paths()
    profiles = [p for p in paths if is_profile(p)]
    base = source.read([*profiles, NETWORK_FILE], base=True)
    new = source.read(profiles, base=False)
    changes = []
    for path in paths:
        if not is_profile(path):
            changes.append(Change(path, Status.MODIFIED))
            continue
        if base[path] is None and new[path] is None:
            continue  # added and removed again, or removed on both sides: no effect
        status = (
            Status.ADDED if base[path] is None
            else Status.DELETED if new[path] is None
            else Status.MODIFIED
        )
        changes.append(
            Change(
                path, status,
                base_maintainers=_listed(base[path], path, "maintainers"),
                new_maintainers=_listed(new[path], path, "maintainers"),
            )
        )
    return _with_links(changes, source.links()), _listed(base[NETWORK_FILE], NETWORK_FILE,
                                                          "admins") or ()


def _with_links(changes: list[Change], links: dict[str, str]) -> list[Change]:
    """Mark the changes that are links; add the links under partners/ no change names."""
    marked = [replace(c, link=links[c.path]) if c.path in links else c for c in changes]
    named = {c.path for c in changes}
    extra = [Change(path, Status.MODIFIED, link=target)
             for path, target in sorted(links.items()) if path not in named]
    return marked + extra


def _report(decision: Decision, output_format: str) -> None:
    """Print one line per file (refusals say who may change it) and a summary."""
    author, total = decision.author, len(decision.verdicts)
    if not total:
        click.echo("No files changed; nothing to check.")
        return
    if decision.author_is_admin and decision.allowed:
        click.echo(f"Allowed: {author} is a network admin and may change all {total} file(s).")
        return
    for verdict in decision.verdicts:
        if verdict.allowed:
            click.echo(f"allowed  {verdict.path}: {verdict.reason}")
        elif output_format == "github":
            file = "" if verdict.path.startswith("../") else verdict.path
            message = verdict.reason[:1].upper() + verdict.reason[1:]
            click.echo(annotation(message, file=file, title="Ownership check"))
        else:
            click.echo(f"refused  {verdict.path}: {verdict.reason}")
    refused = len(decision.refused)
    if refused:
        click.echo(
            f"Refused: {author} may not make {refused} of the {total} change(s) in this pull "
            "request; the lines above say who may. Members change only the profiles they maintain."
        )
    else:
        click.echo(f"Allowed: {author} maintains every profile this pull request changes.")


def _names(files: tuple[str, ...], files_from: IO[str] | None) -> list[str]:
    names = list(files)
    if files_from is not None:
        text = files_from.read()
        names += [n.strip() for n in text.split("\0" if "\0" in text else "\n") if n.strip()]
    return names


@click.command("check-pr")
@click.option("--author", required=True, metavar="LOGIN", help="Account that opened the request.")
@click.option("--base", "base_ref", metavar="REF", help="Target branch, e.g. origin/main.")
@click.option("--head", "head_ref", default="HEAD", show_default=True, metavar="REF",
              help="The pull request's commit (with --base).")
@click.option("--base-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder with the base version of the network, instead of --base.")
@click.option("--files-from", type=click.File("r", encoding="utf-8"),
              help="With --base-dir: a file listing the changed paths, one a line ('-': stdin).")
@click.option("--format", "output_format", type=click.Choice(["text", "github"]),
              default="text", show_default=True, help="'github' prints refusals as annotations.")
@click.argument("files", nargs=-1)
@click.pass_obj
def check_pr(
    root: Path,
    author: str,
    base_ref: str | None,
    head_ref: str,
    base_dir: Path | None,
    files_from: IO[str] | None,
    output_format: str,
    files: tuple[str, ...],
) -> None:
    """Check that LOGIN may change every file a pull request touches.

    \b
    partnerdir check-pr --author LOGIN --base origin/main
    partnerdir check-pr --author LOGIN --base-dir BASE_FOLDER FILE...

    A member may change, rename or delete only the profiles whose maintainers list names them in
    the base version, the target branch as it is now (adding yourself to someone else's profile
    does not count). A new profile is
    allowed when its maintainers list names its author: that is how members join. Network admins
    (admins in the base version of network.yaml) may change anything; files outside partners/
    need an admin. Account names are compared case-insensitively. Nobody, admins included, may
    have a symbolic link or a submodule under partners/: it would publish another file under the
    link's name.

    With --base, git compares HEAD (or --head) with its merge base with REF. Without git history,
    pass a folder with the base version and the changed files (paths relative to the network
    folder). Exit 0 when allowed, 1 when refused, 2 when the changes cannot be read.
    """
    if not author.strip():
        raise click.UsageError("--author is empty; pass the pull request author's account name.")
    if (base_ref is None) == (base_dir is None):
        raise click.UsageError("give either --base REF (git) or --base-dir FOLDER with the files.")
    names = _names(files, files_from)
    source: Source
    try:
        if base_dir is not None:
            if not names:
                raise click.UsageError("list the changed files after --base-dir, or --files-from.")
            source = FolderSource(root, base_dir, names)
        else:
            if names:
                raise click.UsageError("FILE arguments go with --base-dir; --base reads git.")
            source = GitSource.open(root, str(base_ref), head_ref)
        changes, admins = collect(source)
    except SourceError as exc:
        raise CheckError(str(exc)) from exc
    decision = decide(changes, author, admins)
    _report(decision, output_format)
    if not decision.allowed:
        raise SystemExit(1)


def register(group: click.Group) -> None:
    """Add ``check-pr`` to ``group``."""
    group.add_command(check_pr)
