; Java definitions: @definition.<kind>, @name, optional @body.

(class_declaration name: (identifier) @name body: (class_body) @body) @definition.class

(interface_declaration name: (identifier) @name body: (interface_body) @body) @definition.interface

(enum_declaration name: (identifier) @name body: (enum_body) @body) @definition.enum

(record_declaration name: (identifier) @name body: (class_body) @body) @definition.record

(annotation_type_declaration
  name: (identifier) @name
  body: (annotation_type_body) @body) @definition.interface

(method_declaration name: (identifier) @name body: (block)? @body) @definition.method

(constructor_declaration name: (identifier) @name body: (constructor_body) @body) @definition.method

; static fields: the constants of Java
(field_declaration
  (modifiers "static")
  declarator: (variable_declarator name: (identifier) @name)) @definition.constant
