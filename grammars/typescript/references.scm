; Identifiers a TypeScript file uses: calls, constructors, member-access bases, types.

(call_expression
  function: [
    (identifier) @reference.call
    (member_expression property: (property_identifier) @reference.call)
  ])

(new_expression constructor: (identifier) @reference.class)

(member_expression object: (identifier) @reference.attribute)

(type_identifier) @reference.type

(extends_clause value: (identifier) @reference.class)
