; TypeScript definitions (also used for TSX): @definition.<kind>, @name, optional @body
; (functions held in variables and module-level variables: javascript/variables.scm).
; When several patterns capture the same @name node, the first pattern wins.

[
  (function_declaration name: (identifier) @name body: (_) @body)
  (generator_function_declaration name: (identifier) @name body: (_) @body)
] @definition.function

; `declare function f(): void;` and overload signatures
(function_signature name: (identifier) @name) @definition.function

[
  (class_declaration name: (type_identifier) @name body: (class_body) @body)
  (abstract_class_declaration name: (type_identifier) @name body: (class_body) @body)
] @definition.class

(interface_declaration
  name: (type_identifier) @name
  body: (_) @body) @definition.interface

(type_alias_declaration name: (type_identifier) @name) @definition.type

(enum_declaration
  name: (identifier) @name
  body: (enum_body) @body) @definition.enum

(internal_module
  name: [(identifier) (nested_identifier)] @name
  body: (statement_block) @body) @definition.namespace

(method_definition
  name: [(property_identifier) (private_property_identifier)] @name
  body: (_) @body) @definition.method

[
  (method_signature name: (property_identifier) @name)
  (abstract_method_signature name: (property_identifier) @name)
] @definition.method

; `declare const X: T;` / `declare var x: T;` at module level, also exported: the type is all
; there is of them, and what code using them needs
(program
  (ambient_declaration
    [
      (lexical_declaration (variable_declarator name: (identifier) @name))
      (variable_declaration (variable_declarator name: (identifier) @name))
    ]) @definition.variable)

(program
  (export_statement
    declaration: (ambient_declaration
      [
        (lexical_declaration (variable_declarator name: (identifier) @name))
        (variable_declaration (variable_declarator name: (identifier) @name))
      ]) @definition.variable))
