; Code-action targets (see grammars/README.md, "actions").

(function_item
  name: (identifier) @name
  body: (block) @body) @function

(impl_item
  type: (_) @name
  body: (declaration_list) @body) @class

(struct_item
  name: (type_identifier) @name) @class

(trait_item
  name: (type_identifier) @name
  body: (declaration_list) @body) @class

(parameter pattern: (identifier) @local)
(let_declaration pattern: (identifier) @local)
(let_declaration pattern: (mut_pattern (identifier) @local))
(parameter pattern: (mut_pattern (identifier) @local))
(for_expression pattern: (identifier) @local)
(closure_parameters (identifier) @local)
