; Code-action targets (see grammars/README.md, "actions"): functions and classes, shared by
; JavaScript, TypeScript and TSX. Local bindings are per grammar (locals.scm).

(function_declaration
  name: (identifier) @name
  body: (statement_block) @body) @function

(generator_function_declaration
  name: (identifier) @name
  body: (statement_block) @body) @function

(method_definition
  name: (_) @name
  body: (statement_block) @body) @function

(variable_declarator
  name: (identifier) @name
  value: [
    (arrow_function body: (statement_block) @body)
    (function_expression body: (statement_block) @body)
  ] @function)

(class_declaration
  name: (_) @name
  body: (class_body) @body) @class
