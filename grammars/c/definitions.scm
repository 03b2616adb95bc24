; C definitions: @definition.<kind>, @name, optional @body. Prototypes are definitions
; without a body. Globals count at file level and inside preprocessor conditionals.

(function_definition
  declarator: [
    (function_declarator declarator: (identifier) @name)
    (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)))
  ]
  body: (compound_statement) @body) @definition.function

(declaration
  declarator: [
    (function_declarator declarator: (identifier) @name)
    (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
  ]) @definition.function

(struct_specifier name: (type_identifier) @name body: (field_declaration_list) @body) @definition.struct

(union_specifier name: (type_identifier) @name body: (field_declaration_list) @body) @definition.union

(enum_specifier name: (type_identifier) @name body: (enumerator_list) @body) @definition.enum

(type_definition
  declarator: [
    (type_identifier) @name
    (pointer_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
  ]) @definition.type

(preproc_def name: (identifier) @name value: (_)) @definition.macro

(preproc_function_def name: (identifier) @name) @definition.macro

[
  (translation_unit
    (declaration
      declarator: [
        (identifier) @name
        (init_declarator declarator: (identifier) @name)
        (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (init_declarator declarator: (array_declarator declarator: (identifier) @name))
      ]) @definition.variable)
  (preproc_ifdef
    (declaration
      declarator: [
        (identifier) @name
        (init_declarator declarator: (identifier) @name)
        (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (init_declarator declarator: (array_declarator declarator: (identifier) @name))
      ]) @definition.variable)
  (preproc_if
    (declaration
      declarator: [
        (identifier) @name
        (init_declarator declarator: (identifier) @name)
        (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (init_declarator declarator: (array_declarator declarator: (identifier) @name))
      ]) @definition.variable)
  (preproc_else
    (declaration
      declarator: [
        (identifier) @name
        (init_declarator declarator: (identifier) @name)
        (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (init_declarator declarator: (array_declarator declarator: (identifier) @name))
      ]) @definition.variable)
]
