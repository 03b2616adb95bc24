; Python imports: @import the statement, @module the module specifier (`a.b`, `.x`, `..`),
; @name each imported name (the original name, not the `as` alias).

(import_statement
  name: [
    (dotted_name) @module
    (aliased_import name: (dotted_name) @module)
  ]) @import

(import_from_statement
  module_name: (_) @module
  name: [
    (dotted_name) @name
    (aliased_import name: (dotted_name) @name)
  ]) @import

(import_from_statement
  module_name: (_) @module
  (wildcard_import) @name) @import
