; Identifiers a Rust file uses: calls, paths, types, macros, trait impls.

(call_expression
  function: [
    (identifier) @reference.call
    (field_expression field: (field_identifier) @reference.call)
    (scoped_identifier name: (identifier) @reference.call)
  ])

(scoped_identifier path: (identifier) @reference.attribute)

(macro_invocation macro: (identifier) @reference.macro)

(type_identifier) @reference.type
