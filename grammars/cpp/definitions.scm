; C++ definitions: @definition.<kind>, @name, optional @body, optional @container (the class of
; an out-of-line member `Class::method`). Prototypes are definitions without a body.

(namespace_definition
  name: [(namespace_identifier) (nested_namespace_specifier)] @name
  body: (declaration_list) @body) @definition.namespace

[
  (class_specifier name: (type_identifier) @name body: (field_declaration_list) @body)
  (class_specifier name: (template_type name: (type_identifier) @name) body: (field_declaration_list) @body)
] @definition.class

[
  (struct_specifier name: (type_identifier) @name body: (field_declaration_list) @body)
  (struct_specifier name: (template_type name: (type_identifier) @name) body: (field_declaration_list) @body)
] @definition.struct

(union_specifier name: (type_identifier) @name body: (field_declaration_list) @body) @definition.union

(enum_specifier name: (type_identifier) @name body: (enumerator_list) @body) @definition.enum

; out-of-line members: `double Circle::area() const { ... }`
(function_definition
  declarator: [
    (function_declarator
      declarator: (qualified_identifier scope: (_) @container name: (_) @name))
    (pointer_declarator
      declarator: (function_declarator
        declarator: (qualified_identifier scope: (_) @container name: (_) @name)))
    (reference_declarator
      (function_declarator
        declarator: (qualified_identifier scope: (_) @container name: (_) @name)))
  ]
  body: (_) @body) @definition.method

(function_definition
  declarator: [
    (function_declarator declarator: [(identifier) (field_identifier) (destructor_name) (operator_name)] @name)
    (pointer_declarator
      declarator: (function_declarator declarator: [(identifier) (field_identifier)] @name))
    (reference_declarator
      (function_declarator declarator: [(identifier) (field_identifier)] @name))
  ]
  body: (_) @body) @definition.function

; prototypes, at file level and as class members
(declaration
  declarator: [
    (function_declarator declarator: [(identifier) (field_identifier)] @name)
    (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
    (reference_declarator (function_declarator declarator: (identifier) @name))
  ]) @definition.function

(field_declaration
  declarator: [
    (function_declarator declarator: [(field_identifier) (identifier) (operator_name)] @name)
    (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name))
    (reference_declarator (function_declarator declarator: (field_identifier) @name))
  ]) @definition.function

(type_definition
  declarator: [
    (type_identifier) @name
    (pointer_declarator declarator: (type_identifier) @name)
  ]) @definition.type

(alias_declaration name: (type_identifier) @name) @definition.type

(preproc_def name: (identifier) @name value: (_)) @definition.macro

(preproc_function_def name: (identifier) @name) @definition.macro

; globals: at file level, in namespaces and in preprocessor conditionals
[
  (translation_unit
    (declaration
      declarator: [
        (identifier) @name
        (init_declarator declarator: (identifier) @name)
        (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
        (init_declarator declarator: (array_declarator declarator: (identifier) @name))
      ]) @definition.variable)
  (declaration_list
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
