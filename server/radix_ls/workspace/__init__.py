"""The workspace: open documents (text and versions), later the on-disk index and watcher."""
