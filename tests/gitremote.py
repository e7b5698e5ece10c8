"""A real git repository on disk as the network's remote: a bare repository and a working clone
that commits and pushes to it, the way members' merged pull requests reach ``main``."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO, partner_data

# Neither the machine's nor the user's git configuration (signing, hooks, other defaults)
# may change what the tests do.
_ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` as a test author and return its output."""
    done = subprocess.run(
        ["git", "-c", "user.name=Test Author", "-c", "user.email=author@test.example", *args],
        cwd=cwd, env=_ENV, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@dataclass
class GitRemote:
    """A bare repository (``url``) and a working clone that pushes to its branch ``main``."""

    url: Path
    work: Path

    @classmethod
    def create(cls, folder: Path, network: Path = REPO) -> GitRemote:
        """Make the remote in ``folder``; its first commit is ``network`` (default the sample)."""
        folder.mkdir(parents=True, exist_ok=True)
        url, work = folder / "remote.git", folder / "work"
        git(folder, "init", "--quiet", "--bare", "--initial-branch=main", str(url))
        git(folder, "init", "--quiet", "--initial-branch=main", str(work))
        git(work, "remote", "add", "origin", str(url))
        shutil.copy(network / "network.yaml", work / "network.yaml")
        shutil.copytree(network / "partners", work / "partners")
        (work / "README.md").write_text("Das Netzwerk.\n", encoding="utf-8")
        remote = cls(url, work)
        remote.push("Start the network")
        return remote

    def write(self, path: str, text: str) -> None:
        """Write ``text`` to ``path`` in the working clone (not yet committed)."""
        (self.work / path).write_text(text, encoding="utf-8")

    def put_partner(self, slug: str, **overrides: Any) -> None:
        """Write ``partners/<slug>.yaml`` from ``partner_data(**overrides)``."""
        self.write(f"partners/{slug}.yaml",
                   yaml.safe_dump(partner_data(**overrides), allow_unicode=True, sort_keys=False))

    def push(self, message: str, branch: str = "main") -> str:
        """Commit everything in the working clone, push it to ``branch``; return the commit."""
        git(self.work, "add", "--all")
        git(self.work, "commit", "--quiet", "--allow-empty", "-m", message)
        git(self.work, "push", "--quiet", "--force", "origin", f"HEAD:refs/heads/{branch}")
        return git(self.work, "rev-parse", "HEAD")
