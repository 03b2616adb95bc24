; Code-action targets (see grammars/README.md, "actions").

(function_declaration
  name: (identifier) @name
  body: (block) @body) @function

(method_declaration
  name: (field_identifier) @name
  body: (block) @body) @function

(type_declaration
  (type_spec
    name: (type_identifier) @name
    type: (struct_type) @body)) @class

(parameter_declaration name: (identifier) @local)
(variadic_parameter_declaration name: (identifier) @local)
(short_var_declaration left: (expression_list (identifier) @local))
(var_spec name: (identifier) @local)
(range_clause left: (expression_list (identifier) @local))
