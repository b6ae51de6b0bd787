"""voicecoach inside OpenVoiceOS (`pip install 'voicecoach[ovos]'`): the skill (skill.py, loaded
by ovos-core through the `opm.skill` entry point) and the pieces it maps onto the assistant
(run.py: one workout on its own thread; speaker.py: speech and counts; sounds.py: count clips;
alarm.py: an exact timer). Only skill.py imports OpenVoiceOS; nothing here opens a microphone
or a sound card (PyAudio and pocketsphinx stay unimported)."""
