; Code-action targets (see grammars/README.md, "actions").

(method_declaration
  name: (identifier) @name
  body: (block) @body) @function

(constructor_declaration
  name: (identifier) @name
  body: (constructor_body) @body) @function

(class_declaration
  name: (identifier) @name
  body: (class_body) @body) @class

(interface_declaration
  name: (identifier) @name
  body: (interface_body) @body) @class

(formal_parameter name: (identifier) @local)
(local_variable_declaration declarator: (variable_declarator name: (identifier) @local))
(enhanced_for_statement name: (identifier) @local)
(catch_formal_parameter name: (identifier) @local)
(lambda_expression parameters: (identifier) @local)

(field_access field: (identifier) @skip)
(method_invocation name: (identifier) @skip)
