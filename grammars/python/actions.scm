; Code-action targets (see grammars/README.md, "actions"). Captures:
;   @function / @class  the node an action rewrites, with @name and @body;
;   @docstring          an existing docstring (Python keeps it inside the body);
;   @local              an identifier that binds a local name (parameters, assignments, loops);
;   @skip               an identifier that is not a variable (attribute and keyword names).

(function_definition
  name: (identifier) @name
  body: (block) @body) @function

(class_definition
  name: (identifier) @name
  body: (block) @body) @class

(block
  .
  (expression_statement
    (string) @docstring))

(parameters (identifier) @local)
(parameters (typed_parameter (identifier) @local))
(parameters (default_parameter name: (identifier) @local))
(parameters (typed_default_parameter name: (identifier) @local))
(parameters (list_splat_pattern (identifier) @local))
(parameters (dictionary_splat_pattern (identifier) @local))
(lambda_parameters (identifier) @local)
(assignment left: (identifier) @local)
(assignment left: (pattern_list (identifier) @local))
(assignment left: (tuple_pattern (identifier) @local))
(augmented_assignment left: (identifier) @local)
(for_statement left: (identifier) @local)
(for_statement left: (pattern_list (identifier) @local))
(for_in_clause left: (identifier) @local)
(with_item value: (as_pattern alias: (as_pattern_target (identifier) @local)))
(named_expression name: (identifier) @local)

(attribute attribute: (identifier) @skip)
(keyword_argument name: (identifier) @skip)
