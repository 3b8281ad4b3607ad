"""The front end: source text, the grammar's parser and the syntax tree, diagnostics and their messages, and
the formatter (`aidlang fmt`)."""
