"""The workspace: open documents (versioned text and their one incremental parse, in
documents.py), reading source files from disk with clear errors (files.py), and the one rule
for workspace-relative paths (paths.py). The on-disk index and its watcher live in `index/`."""
