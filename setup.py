"""The one build step pyproject.toml cannot say: prompts/ lives at the top of the repository
(where the sentences are edited), and a normal, non-editable install must carry it inside the
package. So the build copies it to voicecoach/prompts/, where core/prompts.py looks first.
Everything else about the package is in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PROMPTS = Path(__file__).resolve().parent / "prompts"


class BuildWithPrompts(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads prompts/ in place
        target = Path(self.build_lib) / "voicecoach" / "prompts"
        self.mkpath(str(target))
        for source in sorted(PROMPTS.glob("*.yaml")):
            self.copy_file(str(source), str(target / source.name))


setup(cmdclass={"build_py": BuildWithPrompts})
