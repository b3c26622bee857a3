"""``coachkit dashboard``: loopback by default, a token off loopback, bad input refused early."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from coachkit.cli import app
from coachkit.cli.dashboard import LOOPBACK, notebook_path, token_for, voila_command
from coachkit.store import Store


def test_off_loopback_a_token_is_always_required():
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        token, generated = token_for(host, None)
        assert token and len(token) >= 24 and generated
    assert token_for("0.0.0.0", "mine") == ("mine", False)
    for host in LOOPBACK:
        assert token_for(host, None) == (None, False)


def test_voila_runs_preheated_offline_template_without_tracebacks_or_the_token_itself():
    cmd = voila_command(Path("nb.ipynb"), host="127.0.0.1", port=8866, pool_size=2, token=True)
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8866" in cmd
    assert "--preheat_kernel=True" in cmd and "--pool_size=2" in cmd
    assert "--template=coachkit" in cmd and "--show_tracebacks=False" in cmd
    assert "--token" in cmd and not any(c.startswith("--token=") for c in cmd)
    plain = voila_command(Path("nb.ipynb"), host="127.0.0.1", port=1, pool_size=0, token=False)
    assert not any("preheat" in c or "token" in c for c in plain)


def test_the_offline_template_drops_the_cdn_stylesheets():
    from coachkit.cli.dashboard import TEMPLATES

    template = TEMPLATES / "voila" / "templates" / "coachkit"
    assert json.loads((template / "conf.json").read_text())["base_template"] == "lab"
    assert "cdn.jsdelivr.net" in (template / "index.html.j2").read_text()  # what it removes


def test_the_notebook_is_the_repositorys_and_holds_one_call(tmp_path):
    nb = json.loads(notebook_path(tmp_path).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert len(code) == 2 and "app(" in "".join(code[1]["source"])


def test_a_missing_store_or_unknown_athlete_fails_before_serving(tmp_path):
    runner = CliRunner()
    out = runner.invoke(app, ["dashboard", "--store", str(tmp_path / "none")])
    assert out.exit_code == 2 and "no coachkit store" in out.output
    Store(tmp_path / "s").close()
    for bad in ("nobody", "../etc"):
        out = runner.invoke(app, ["dashboard", "--store", str(tmp_path / "s"), "--athlete", bad])
        assert out.exit_code == 2 and "Error:" in out.output
    out = runner.invoke(app, ["dashboard", "--store", str(tmp_path / "s"), "--date", "soon"])
    assert out.exit_code == 2 and "not a date" in out.output
