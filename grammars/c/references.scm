; Identifiers a C file uses: calls, types, struct tags.

(call_expression
  function: [
    (identifier) @reference.call
    (field_expression field: (field_identifier) @reference.call)
  ])

(type_identifier) @reference.type
