; Identifiers a Go file uses: calls, package/selector bases, types.

(call_expression
  function: [
    (identifier) @reference.call
    (selector_expression field: (field_identifier) @reference.call)
  ])

(selector_expression operand: (identifier) @reference.attribute)

(type_identifier) @reference.type

(qualified_type package: (package_identifier) @reference.attribute)
