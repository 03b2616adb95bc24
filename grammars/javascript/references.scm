; Identifiers a JavaScript file uses: calls, constructors, member-access bases, JSX components.

(call_expression
  function: [
    (identifier) @reference.call
    (member_expression property: (property_identifier) @reference.call)
  ])

(new_expression constructor: (identifier) @reference.class)

(member_expression object: (identifier) @reference.attribute)

(class_heritage (identifier) @reference.class)

(jsx_opening_element name: (identifier) @reference.component)

(jsx_self_closing_element name: (identifier) @reference.component)
