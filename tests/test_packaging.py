"""A normal (non-editable) install, as `pip install '.[ovos]'` makes it: the wheel must carry every
sentence (prompts/ lives at the top of the repository) and the skill's data files, and the code
must find them there. Built from a copy of the source, unpacked, imported from the unpacked tree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__", ".pytest_cache")


def test_a_built_wheel_carries_the_prompts_and_the_skill(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=SKIP)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path),
                    str(source)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("voicecoach-*.whl"))
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    entry_points = next(site.glob("voicecoach-*.dist-info")).joinpath("entry_points.txt").read_text()
    assert "[opm.skill]" in entry_points
    assert "skill-voicecoach.voicecoach = voicecoach.integrations.ovos.skill:VoiceCoachSkill" in entry_points

    probe = (
        "import json, voicecoach.core.prompts as p\n"
        "from voicecoach.integrations.ovos import skill\n"
        "d = p.default_dir()\n"
        "root = skill.SETTINGS_META.parent\n"
        "print(json.dumps({'dir': str(d), 'n': len(p.load_default().keys()),\n"
        "  'defaults': skill.setting_defaults(),\n"
        "  'locale': sorted(x.name for x in (root / 'locale' / 'en-us').iterdir())}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "VOICECOACH_PROMPTS"}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True, timeout=60).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert Path(found["dir"]) == site / "voicecoach" / "prompts"
    expected = {p.name for p in (ROOT / "prompts").glob("*.yaml")}
    assert {p.name for p in (site / "voicecoach" / "prompts").glob("*.yaml")} == expected
    assert found["n"] > 100
    assert found["defaults"] == {"minutes": "0", "cause": "ask", "counts": "voice"}
    assert found["locale"] == ["skill.json", "start.intent"]
