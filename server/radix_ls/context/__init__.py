"""Context retrieval and prompt assembly: what the model sees for a cursor."""
