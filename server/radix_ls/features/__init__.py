"""Features built on the engine and the context: completion (later code actions, refactors)."""
