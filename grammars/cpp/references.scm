; Identifiers a C++ file uses: calls, types, namespace qualifiers.

(call_expression
  function: [
    (identifier) @reference.call
    (field_expression field: (field_identifier) @reference.call)
    (qualified_identifier name: (identifier) @reference.call)
  ])

(type_identifier) @reference.type

(namespace_identifier) @reference.namespace
