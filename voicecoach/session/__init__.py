"""The shell that wires the rooms: the one event loop, the clock, keyboard and console I/O."""
