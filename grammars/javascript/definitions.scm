; JavaScript definitions: @definition.<kind>, @name, optional @body (functions held in
; variables and module-level variables are in variables.scm, shared with TypeScript).
; When several patterns capture the same @name node, the first pattern wins.

[
  (function_declaration name: (identifier) @name body: (_) @body)
  (generator_function_declaration name: (identifier) @name body: (_) @body)
] @definition.function

(class_declaration
  name: (identifier) @name
  body: (class_body) @body) @definition.class

(method_definition
  name: [(property_identifier) (private_property_identifier)] @name
  body: (_) @body) @definition.method
