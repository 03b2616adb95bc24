; Functions held in variables and module-level variables: shared by JavaScript, TypeScript
; and TSX (listed after each language's own definitions.scm, so its patterns come first).

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
