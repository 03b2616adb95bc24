; Go definitions: @definition.<kind>, @name, optional @body, optional @container (a method's
; receiver type: the qualified name becomes `Type.Method`).

(function_declaration
  name: (identifier) @name
  body: (block)? @body) @definition.function

(method_declaration
  receiver: (parameter_list
    (parameter_declaration
      type: [
        (type_identifier) @container
        (pointer_type (type_identifier) @container)
        (generic_type type: (type_identifier) @container)
        (pointer_type (generic_type type: (type_identifier) @container))
      ]))
  name: (field_identifier) @name
  body: (block)? @body) @definition.method

; `type X struct {...}` etc.: the declaration is the definition, so its signature reads `type X struct`.
(type_declaration
  (type_spec
    name: (type_identifier) @name
    type: (struct_type (field_declaration_list) @body))) @definition.struct

(type_declaration
  (type_spec
    name: (type_identifier) @name
    type: (interface_type) @body)) @definition.interface

(type_declaration
  (type_spec name: (type_identifier) @name)) @definition.type

(type_declaration
  (type_alias name: (type_identifier) @name)) @definition.type

; `const A, B = 1, 2`: the direct identifiers of a spec are its names (with `name:`, this
; grammar version matches only the first of several)
(source_file
  (const_declaration
    (const_spec (identifier) @name) @definition.constant))

(source_file
  (var_declaration
    (var_spec name: (identifier) @name) @definition.variable))

; `var ( ... )`: the specs sit in a list
(source_file
  (var_declaration
    (var_spec_list (var_spec name: (identifier) @name) @definition.variable)))
