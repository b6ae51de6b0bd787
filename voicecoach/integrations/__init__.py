"""Adapters that run the same coach inside other systems (voice assistants). Each one only
maps events and actions; the dialogue, planner, understanding and history are the package's own."""
