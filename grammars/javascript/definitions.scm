; JavaScript definitions: @definition.<kind>, @name, optional @body.
; When several patterns capture the same @name node, the first pattern in this file wins.

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

; `const f = () => ...`, `var f = function () {...}`, at any level a definition can live
[
  (lexical_declaration
    (variable_declarator
      name: (identifier) @name
      value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]))
  (variable_declaration
    (variable_declarator
      name: (identifier) @name
      value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]))
] @definition.function

; Other module-level constants and variables, also behind `export`.
(program
  [
    (lexical_declaration (variable_declarator name: (identifier) @name))
    (variable_declaration (variable_declarator name: (identifier) @name))
  ] @definition.variable)

(program
  (export_statement
    declaration: [
      (lexical_declaration (variable_declarator name: (identifier) @name))
      (variable_declaration (variable_declarator name: (identifier) @name))
    ] @definition.variable))
