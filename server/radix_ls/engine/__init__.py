"""Model engines behind one interface (`Engine`), and prompt templates per model family."""
