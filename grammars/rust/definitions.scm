; Rust definitions: @definition.<kind>, @name, optional @body.
; @scope.impl marks an `impl` block: not a definition itself, but the container of the
; functions in it (`Type.method`). When several patterns capture the same @name node, the
; first pattern in this file wins.

(impl_item
  type: [
    (type_identifier) @name
    (generic_type type: (type_identifier) @name)
    (scoped_type_identifier name: (type_identifier) @name)
  ]
  body: (declaration_list) @body) @scope.impl

(function_item
  name: (identifier) @name
  body: (block) @body) @definition.function

(function_signature_item name: (identifier) @name) @definition.function

(struct_item name: (type_identifier) @name body: (_)? @body) @definition.struct

(enum_item name: (type_identifier) @name body: (enum_variant_list) @body) @definition.enum

(union_item name: (type_identifier) @name body: (_) @body) @definition.union

(trait_item name: (type_identifier) @name body: (declaration_list) @body) @definition.trait

(type_item name: (type_identifier) @name) @definition.type

(mod_item name: (identifier) @name body: (declaration_list) @body) @definition.module

(macro_definition name: (identifier) @name) @definition.macro

[
  (const_item name: (identifier) @name)
  (static_item name: (identifier) @name)
] @definition.constant
