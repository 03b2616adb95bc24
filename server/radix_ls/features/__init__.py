"""Features built on the engine and the context: inline completion (completion.py) and its
post-processing (postprocess.py), code actions (actions/) with their syntax queries
(syntax.py) and answer-to-edit conversion (edits.py). Pure of LSP: the session layer calls
them and the front ends convert their answers."""
