; Code-action targets (see grammars/README.md, "actions").

(function_definition
  declarator: (function_declarator
    declarator: [(identifier) (field_identifier) (qualified_identifier) (destructor_name)
                 (operator_name)] @name)
  body: (compound_statement) @body) @function

(function_definition
  declarator: (pointer_declarator
    declarator: (function_declarator declarator: (_) @name))
  body: (compound_statement) @body) @function

(function_definition
  declarator: (reference_declarator
    (function_declarator declarator: (_) @name))
  body: (compound_statement) @body) @function

(class_specifier
  name: (_) @name
  body: (field_declaration_list) @body) @class

(struct_specifier
  name: (_) @name
  body: (field_declaration_list) @body) @class

(parameter_declaration declarator: (identifier) @local)
(parameter_declaration declarator: (pointer_declarator declarator: (identifier) @local))
(parameter_declaration declarator: (reference_declarator (identifier) @local))
(declaration declarator: (identifier) @local)
(init_declarator declarator: (identifier) @local)
(init_declarator declarator: (pointer_declarator declarator: (identifier) @local))
(init_declarator declarator: (reference_declarator (identifier) @local))
(for_range_loop declarator: (identifier) @local)
