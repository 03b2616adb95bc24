; Identifiers a Java file uses: calls, constructors, types, field-access bases.

(method_invocation name: (identifier) @reference.call)

(method_invocation object: (identifier) @reference.attribute)

(field_access object: (identifier) @reference.attribute)

(type_identifier) @reference.type
