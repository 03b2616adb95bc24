; Python definitions. Captures (see grammars/README.md):
;   @definition.<kind> the whole definition, @name its name, @body the body (optional).
; Decorators are not part of the definition node; chunks pick them up as attached lines.

(class_definition
  name: (identifier) @name
  body: (block) @body) @definition.class

(function_definition
  name: (identifier) @name
  body: (block) @body) @definition.function

; Module-level assignments only (`X = 1`, `X: int = 1`, `a, b = 1, 2`); locals and class
; attributes are not definitions worth indexing on their own (the class chunk carries them).
; An annotated `X: TypeAlias = ...` is a type alias (the earlier pattern wins).
(module
  (expression_statement
    (assignment
      left: (identifier) @name
      type: (type) @_alias) @definition.type)
  (#match? @_alias "^(typing\\.|typing_extensions\\.|t\\.)?TypeAlias$"))

(module
  (expression_statement
    (assignment
      left: [(identifier) @name (pattern_list (identifier) @name)]) @definition.variable))

; The same under module-level `if`/`else` and `try`/`except` (`if TYPE_CHECKING:`, version
; checks, `except ImportError: X = None`): still module attributes. Separate patterns, not one
; alternation: that costs several times more per file (measured on Django).
(module
  (if_statement
    consequence: (block
      (expression_statement (assignment left: (identifier) @name) @definition.variable))))

(module
  (if_statement
    alternative: (else_clause
      body: (block
        (expression_statement (assignment left: (identifier) @name) @definition.variable)))))

(module
  (try_statement
    body: (block
      (expression_statement (assignment left: (identifier) @name) @definition.variable))))

(module
  (try_statement
    (except_clause
      (block
        (expression_statement (assignment left: (identifier) @name) @definition.variable)))))

(module
  (type_alias_statement
    left: (type (identifier) @name)) @definition.type)
