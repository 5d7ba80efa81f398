"""`rlm doctor`: key names (never values), sandbox, grammars, paths; exit 1 only when something essential is broken."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional


def doctor(tmp_path: Path, *args: str, env: Optional[dict] = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("RLM_") and not k.endswith("_API_KEY")}
    base.update(RLM_CONFIG_DIR=str(tmp_path / "user"), RLM_CACHE_DIR=str(tmp_path / "cache"),
                RLM_DATA_DIR=str(tmp_path / "data"))
    base.update(env or {})
    # Run in a child that reports whether LiteLLM was imported (doctor must not need it).
    code = ("import sys\nfrom rlm_cli.cli import main\nsys.argv = ['rlm', 'doctor', *sys.argv[1:]]\n"
            "try:\n    main()\nfinally:\n    sys.stderr.write('\\nLITELLM=%s\\n' % ('litellm' in sys.modules))\n")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=base,
                          cwd=tmp_path, timeout=120, stdin=subprocess.DEVNULL)


def test_doctor_reports_names_paths_and_sandbox(tmp_path: Path) -> None:
    p = doctor(tmp_path, "--json", env={"OPENAI_API_KEY": "sk-doctor-secret", "RLM_MODEL": "openai/gpt-4o-mini"})
    assert p.returncode == 0, p.stdout + p.stderr
    assert "LITELLM=False" in p.stderr
    assert "sk-doctor-secret" not in p.stdout + p.stderr
    report = json.loads(p.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert report["ok"] is True
    assert checks["provider keys"]["data"]["found"] == ["OPENAI_API_KEY"]
    assert checks["model"]["data"] == {"model": "openai/gpt-4o-mini", "source": "env"}
    assert checks["sandbox"]["data"]["chosen"] in ("bwrap", "process") and checks["sandbox"]["detail"]
    assert "python" in checks["grammars"]["data"]["available"]
    assert checks["cache dir"]["data"]["path"] == str(tmp_path / "cache")
    assert checks["runs dir"]["data"]["path"] == str(tmp_path / "data" / "runs")
    assert checks["config"]["data"] == {"user": None, "project": None}


def test_doctor_text_and_failures(tmp_path: Path) -> None:
    p = doctor(tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "no model configured" in p.stdout and "provider keys" in p.stdout
    (tmp_path / ".rlm.toml").write_text("sandbox = 'vm'\n")  # an invalid project file is essential: exit 1
    p = doctor(tmp_path)
    assert p.returncode == 1
    assert any(ln.startswith("FAIL") and "sandbox: must be one of" in ln for ln in p.stdout.splitlines())
    (tmp_path / ".rlm.toml").unlink()
    (tmp_path / "not-a-dir").write_text("a file where the cache dir should be")
    p = doctor(tmp_path, env={"RLM_CACHE_DIR": str(tmp_path / "not-a-dir")})
    assert p.returncode == 1 and "FAIL  cache dir" in p.stdout
