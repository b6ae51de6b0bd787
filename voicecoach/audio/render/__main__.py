"""`python -m voicecoach.audio.render --worker`: the old way to start the worker, kept working."""

import sys

if sys.argv[1:] == ["--worker"]:
    from voicecoach.audio.render.worker import _worker_main

    raise SystemExit(_worker_main())
print("usage: python -m voicecoach.audio.render.worker", file=sys.stderr)
raise SystemExit(2)
