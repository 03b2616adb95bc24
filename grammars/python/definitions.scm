; Python definitions. Captures (see grammars/README.md):
;   @definition.<kind> the whole definition, @name its name, @body the body (optional).
; Decorators are not part of the definition node; chunks pick them up as attached lines.

(class_definition
  name: (identifier) @name
  body: (block) @body) @definition.class

(function_definition
  name: (identifier) @name
  body: (block) @body) @definition.function

; Module-level assignments only (`X = 1`, `X: int = 1`); locals and class attributes are not
; definitions worth indexing on their own (the class chunk carries them).
(module
  (expression_statement
    (assignment
      left: (identifier) @name) @definition.variable))

(module
  (type_alias_statement
    left: (type (identifier) @name)) @definition.type)
